"""Retention reaches the centre: a site's `pii_erased` event erases the central contact row,
and only that site's (issue #7), on a real PostgreSQL reached as real site logins."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, select, text, update

from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import MessageEvent, SyncMark
from kiosk.register import PII_ERASED, Register
from sync.central import CentralTarget
from sync.job import run_sync
from sync.schema import SCHEMA_VERSION, init_central
from tests.support import Clock, make_config, upgraded
from tests.sync_data import new_site_id
from tests.sync_fixtures import CentralServer


@dataclass
class Site:
    site_id: str
    db: Database
    target: CentralTarget
    register: Register
    closed: uuid.UUID
    still_open: uuid.UUID

    def sync(self) -> None:
        outcome = run_sync(self.db, self.target, batch_size=5, time_budget_s=30)
        assert outcome.ok, outcome.error


def _site(central_server: CentralServer, central: str, tmp_path: Path, clock: Clock) -> Site:
    """A site with two complaints and their contacts: one answered, one still open."""
    site_id = new_site_id()
    config = make_config(tmp_path / site_id, site__id=site_id)
    db = upgraded(f"sqlite:///{tmp_path / site_id}.sqlite", config)
    box = Messages(db, config, clock=clock)
    register = Register(db, config, clock=clock)
    closed, still_open = (
        box.submit(
            Draft(
                kind=Kind.COMPLAINT,
                text=words,
                name="Иван Петров",
                contact="0888 123 456",
                consent=True,
            )
        ).uuid
        for words in ("Чаках два часа.", "Няма рампа за колички.")
    )
    register.answer(message_uuid=closed, actor="quality1", text="Добавихме гише.")
    target = central_server.site_target(central, central_server.add_site(central, site_id))
    return Site(site_id, db, target, register, closed, still_open)


def _central_rows(central: str, site_id: str) -> dict[str, object]:
    engine = create_engine(central)
    with engine.connect() as conn:
        rows = {
            "contacts": set(
                conn.execute(
                    text("SELECT message_uuid FROM message_contacts WHERE site_id = :s"),
                    {"s": site_id},
                ).scalars()
            ),
            "messages": conn.execute(
                text("SELECT count(*) FROM messages WHERE site_id = :s"), {"s": site_id}
            ).scalar_one(),
            "events": conn.execute(
                text("SELECT kind FROM message_events WHERE site_id = :s ORDER BY seq"),
                {"s": site_id},
            )
            .scalars()
            .all(),
        }
    engine.dispose()
    return rows


@pytest.fixture
def sites(central_server: CentralServer, tmp_path: Path) -> Iterator[tuple[str, Clock, list[Site]]]:
    """A central database to which sites A and B have pushed their complaints."""
    central = central_server.new_central()
    clock = Clock()
    made = [_site(central_server, central, tmp_path, clock) for _ in range(2)]
    for site in made:
        site.sync()
    yield central, clock, made
    for site in made:
        site.db.dispose()


def test_erasure_on_the_site_erases_the_central_contact_and_keeps_the_record(sites) -> None:
    central, clock, (a, b) = sites
    assert _central_rows(central, a.site_id)["contacts"] == {a.closed, a.still_open}
    clock.advance(days=366)
    assert len(a.register.erase_expired()) == 1
    a.sync()
    after = _central_rows(central, a.site_id)
    assert after["contacts"] == {a.still_open}
    assert after["messages"] == 2 and after["events"] == ["answered", PII_ERASED]
    # the other site's contacts are untouched
    assert _central_rows(central, b.site_id)["contacts"] == {b.closed, b.still_open}

    # a replay of everything already sent is a no-op, not a failure
    with a.db.write() as s:
        s.execute(update(SyncMark).values(high_water=0))
    a.sync()
    assert _central_rows(central, a.site_id) == after


def test_a_site_cannot_erase_another_sites_contact(sites) -> None:
    central, _, (a, b) = sites
    forged = (
        "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind) "
        "VALUES (999, gen_random_uuid(), %s, now(), %s, %s)"
    )
    with a.target.connect() as conn:
        # under its own site id the row security lets the event in, but it names B's message
        conn.execute(forged, (a.site_id, b.closed, PII_ERASED))
        conn.commit()
        # under B's site id the row security refuses it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(forged, (b.site_id, b.closed, PII_ERASED))
        conn.rollback()
        # nor can it run the trigger's function itself
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT public.erase_site_contact()")
        conn.rollback()
    assert _central_rows(central, b.site_id)["contacts"] == {b.closed, b.still_open}


def test_init_migrates_a_version_1_centre_and_erases_what_arrived_before(sites) -> None:
    central, clock, (a, b) = sites
    engine = create_engine(central)
    with engine.begin() as conn:
        # the centre as schema version 1 left it: no trigger, so erasures stayed on the site
        conn.execute(text("DROP TRIGGER erase_site_contact ON message_events"))
        conn.execute(text("UPDATE central_schema SET version = 1"))
    clock.advance(days=366)
    a.register.erase_expired()
    with a.db.read() as s:
        event = s.scalars(select(MessageEvent).where(MessageEvent.kind == PII_ERASED)).one()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind, "
                "actor, text, new_due_date) VALUES (:seq, :u, :s, :at, :m, :k, :a, :t, :d)"
            ),
            {
                "seq": event.seq,
                "a": event.actor,
                "t": event.text,
                "d": event.new_due_date,
                "u": event.uuid,
                "s": a.site_id,
                "at": event.created_at,
                "m": a.closed,
                "k": event.kind,
            },
        )
    assert a.closed in _central_rows(central, a.site_id)["contacts"]
    with engine.begin() as conn:
        assert init_central(conn) == (1, SCHEMA_VERSION)
    engine.dispose()
    assert _central_rows(central, a.site_id)["contacts"] == {a.still_open}
    assert _central_rows(central, b.site_id)["contacts"] == {b.closed, b.still_open}
    # the site's own push of that event after the migration is a no-op
    a.sync()
    assert _central_rows(central, a.site_id)["events"] == ["answered", PII_ERASED]


def test_erasure_works_when_the_tables_owner_is_no_superuser(
    central_server: CentralServer, tmp_path: Path
) -> None:
    """Forced row security binds an owner without BYPASSRLS: its trigger must still erase."""
    owner = f"owner_{uuid.uuid4().hex[:8]}"
    admin = create_engine(central_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f"CREATE DATABASE {owner} OWNER {owner}"))
    admin.dispose()
    base, _, query = central_server.admin_url.partition("?")
    central = f"{base.rsplit('/', 1)[0]}/{owner}?{query}"
    as_owner = create_engine(central.replace("postgres@", f"{owner}@"))
    with as_owner.begin() as conn:
        init_central(conn)
    clock = Clock()
    site = _site(central_server, central, tmp_path, clock)
    site.sync()
    clock.advance(days=366)
    site.register.erase_expired()
    site.sync()
    assert _central_rows(central, site.site_id)["contacts"] == {site.still_open}
    with as_owner.begin() as conn:
        assert init_central(conn) == (SCHEMA_VERSION, SCHEMA_VERSION)
    as_owner.dispose()
    site.db.dispose()
