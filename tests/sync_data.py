"""Site records made in bulk (tests and bench/sync_throughput.py): plausible rows of every
record table, inserted with SQLAlchemy core, and a digest to compare a site with the centre."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import uuid
from typing import Any

from sqlalchemy import Connection, create_engine, func, insert, select

from kiosk.db import Database
from kiosk.models import (
    RECORD_TABLES,
    AppointmentEvent,
    DeviceEvent,
    Message,
    MessageAttachment,
    MessageContact,
    MessageEvent,
    Rating,
    RatingReason,
    Ticket,
    TicketEvent,
    TicketOutcome,
)
from sync.schema import RECORDS, SENT_COLUMNS

TEXTS = (
    "Много благодаря на служителката на гишe 2 — бързо и любезно.",
    "Чаках 40 минути за удостоверение за наследници.",
    "Please add more chairs in the lobby.",
    "Предлагам да има табела с работното време и на английски.",
)
#: a scanned letter's bytes: a PDF header is all kiosk.attachments would check
SCAN = b"%PDF-1.4\n% scanned letter\n" + bytes(range(256)) * 4


def add_records(db: Database, *, site_id: str, visits: int, rng: random.Random) -> int:
    """About six records per visit: a ticket, its events and outcome, a rating, sometimes a message."""
    with db.read() as s:
        first = (s.scalar(select(func.max(Ticket.number))) or 0) + 1
    # November 2026, well before any run (a record dated ahead of the centre is held back)
    base = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)
    rows: dict[type, list[dict[str, Any]]] = {m: [] for m in RECORD_TABLES}
    for i in range(visits):
        at = base + dt.timedelta(seconds=rng.randrange(0, 28 * 86400))
        common = {"site_id": site_id, "created_at": at}
        ticket = uuid.uuid4()
        number = first + i
        rows[Ticket].append(
            common
            | {
                "uuid": ticket,
                "service_day": at.date(),
                "category_code": "А",
                "number": number,
                "label": f"А{number % 1000:03d}",
                "service_id": rng.choice((None, "2134", "tvr-property-1")),
                "priority": rng.random() < 0.1,
                "language": rng.choice(("bg", "en")),
                "terminal_id": "kiosk-1",
            }
        )
        for kind in ("called", "recalled"):
            rows[TicketEvent].append(
                common
                | {
                    "uuid": uuid.uuid4(),
                    "ticket_uuid": ticket,
                    "kind": kind,
                    "counter_number": rng.randrange(1, 5),
                    "category_code": None,
                    "clerk": rng.choice((None, "ivanova")),
                    "reason": None,
                }
            )
        served = rng.random() < 0.95
        rows[TicketOutcome].append(
            common
            | {
                "uuid": uuid.uuid4(),
                "ticket_uuid": ticket,
                "outcome": "done" if served else "no_show",
                "service_day": at.date(),
                "issued_at": at,
                "service_id": rows[Ticket][-1]["service_id"],
                "category": "civil_status",
                "hour": (at.hour + 2) % 24,
                "counter_number": rng.randrange(1, 5),
                "wait_s": rng.randrange(0, 3600),
                "service_s": rng.randrange(30, 1800) if served else None,
            }
        )
        rating = uuid.uuid4()
        rows[Rating].append(
            common
            | {
                "uuid": rating,
                "terminal_id": "kiosk-1",
                "score": rng.randrange(1, 6),
                "counted": True,
                "ticket_uuid": ticket,
                "service_id": None,
                "counter_number": rng.randrange(1, 5),
            }
        )
        if rng.random() < 0.5:
            rows[RatingReason].append(
                common | {"uuid": uuid.uuid4(), "rating_uuid": rating, "reason": "fast"}
            )
        if rng.random() < 0.1:
            message = uuid.uuid4()
            rows[Message].append(
                common
                | {
                    "uuid": message,
                    "kind": "complaint",
                    "text": rng.choice(TEXTS),
                    "language": "bg",
                    "anonymous": False,
                    "health_safety": False,
                    "obscene": False,
                    "review_status": "registered",
                    "review_note": None,
                    "reg_number": f"ОЦИУ-2026-{message.hex[:12]}",
                    "due_date": at.date() + dt.timedelta(days=30),
                    "terminal_id": "kiosk-1",
                    "ticket_uuid": ticket,
                    "rating_uuid": None,
                    "service_id": None,
                }
            )
            rows[MessageContact].append(
                common
                | {
                    "uuid": uuid.uuid4(),
                    "message_uuid": message,
                    "name": "Иван Петров",
                    "contact": "+359 888 123 456",
                    "consent": True,
                }
            )
            if message.int % 4 == 0:  # a letter's scan now and then (no draw from rng)
                rows[MessageAttachment].append(
                    common
                    | {
                        "uuid": uuid.uuid4(),
                        "message_uuid": message,
                        "filename": "писмо.pdf",
                        "media_type": "application/pdf",
                        "size": len(SCAN),
                        "sha256": hashlib.sha256(SCAN).hexdigest(),
                        "content_b64": base64.b64encode(SCAN).decode(),
                    }
                )
            rows[MessageEvent].append(
                common
                | {
                    "uuid": uuid.uuid4(),
                    "message_uuid": message,
                    "kind": "pii_viewed",
                    "actor": None,
                    "text": None,
                    "new_due_date": None,
                }
            )
        if ticket.int % 20 == 0:  # a booked visitor checked in now and then (no draw from rng)
            rows[AppointmentEvent].append(
                common
                | {
                    "uuid": uuid.uuid4(),
                    "booking_id": uuid.uuid4(),
                    "kind": "checked_in",
                    "ticket_uuid": ticket,
                }
            )
        if rng.random() < 0.1:
            rows[DeviceEvent].append(
                common
                | {
                    "uuid": uuid.uuid4(),
                    "device": "printer",
                    "status": "paper_low",
                    "detail": None,
                    "ticket_uuid": None,
                }
            )
    with db.write() as s:
        for model in RECORD_TABLES:
            if rows[model]:
                s.execute(insert(model.__table__), rows[model])  # type: ignore[attr-defined]
    return sum(len(r) for r in rows.values())


def digest(conn: Connection, *, site_id: str, central: bool) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a SHA-256 over every sent column of every row."""
    tables = RECORDS if central else [m.__table__ for m in RECORD_TABLES]  # type: ignore[attr-defined]
    out = {}
    for table in tables:
        cols = [table.c[c] for c in SENT_COLUMNS[table.name]]
        rows = conn.execute(
            select(*cols).where(table.c.site_id == site_id).order_by(table.c.uuid)
        ).all()
        h = hashlib.sha256()
        for row in rows:
            h.update(repr(tuple(row)).encode())
        out[table.name] = (len(rows), h.hexdigest())
    return out


def new_site_id() -> str:
    """A site id no other test uses on the shared central server."""
    return f"s-{uuid.uuid4().hex[:8]}"


def central_digest(url: str, site_id: str) -> dict[str, tuple[int, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = digest(conn, site_id=site_id, central=True)
    engine.dispose()
    return out


def local_digest(db: Database, site_id: str) -> dict[str, tuple[int, str]]:
    with db.engine.connect() as conn:
        return digest(conn, site_id=site_id, central=False)
