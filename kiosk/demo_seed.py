"""Synthetic, clearly marked activity so the reports can be seen without a live lobby.

The rows are the ones the domain writes (a ticket with its issued/called/serving/done
events, a rating with its reasons, a message with its handling events), made in bulk
for speed: arrivals peak in the morning, service takes longer for construction than
for taxes, and faces get worse the longer a visitor waited. Every record carries the
terminal id `demo` and every message text starts with "[ДЕМО]", so synthetic data is
never mistaken for real and can be found and removed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kiosk.appointments import new_code
from kiosk.catalog import Service, ensure_catalog, load_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.hours import WorkingHours
from kiosk.messages import ANSWER_WITHIN, Kind
from kiosk.models import (
    Appointment,
    Message,
    MessageContact,
    MessageEvent,
    NumberSequence,
    QueueState,
    Rating,
    RatingReason,
    Ticket,
    TicketEvent,
    TicketOutcome,
)
from kiosk.queue import ticket_label
from kiosk.vocabulary import BookingStatus, Channel, EventOrigin

DEMO_TERMINAL = "demo"
DEMO_MARK = "[ДЕМО]"

#: Relative arrivals per local hour: the morning peak of a municipal office.
ARRIVALS_BY_HOUR = {8: 0.5, 9: 1.7, 10: 1.9, 11: 1.5, 12: 0.9, 13: 0.8, 14: 1.0, 15: 0.8, 16: 0.4}
#: Mean service minutes per catalogue category (construction files take longest).
SERVICE_MINUTES = {
    "civil_status": 6.0,
    "local_taxes": 4.0,
    "construction": 14.0,
    "property": 10.0,
    "social": 8.0,
    "agriculture": 7.0,
    "trade_tourism": 9.0,
    "general": 5.0,
}
#: Messages per site and working day, by kind.
MESSAGES_PER_DAY = {
    "complaint": 0.2,
    "suggestion": 0.1,
    "praise": 0.15,
    "opinion": 0.1,
    "signal": 0.05,
}
#: How the messages reach the administration: most at the kiosk, the rest as the law allows.
CHANNEL_SHARES = {
    Channel.KIOSK: 0.55,
    Channel.LETTER: 0.1,
    Channel.BOX: 0.1,
    Channel.EMAIL: 0.12,
    Channel.PHONE: 0.08,
    Channel.IN_PERSON: 0.05,
}
#: The share of messages that name the service they concern (their theme in the yearly report).
ABOUT_A_SERVICE = 0.6
LOW_REASONS = ("courtesy", "unclear", "documents", "other")
HIGH_REASONS = ("fast", "kind", "helpful")

TABLES = (
    Ticket,
    TicketEvent,
    TicketOutcome,
    QueueState,
    Rating,
    RatingReason,
    Message,
    MessageContact,
    MessageEvent,
)


@dataclass
class Batch:
    """Rows for each table (column name → value), in an order that satisfies foreign keys."""

    rows: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: type, **row: Any) -> None:
        self.rows[table].append(row)

    def __len__(self) -> int:
        return sum(len(r) for r in self.rows.values())


class _Lobby:
    """One site's synthetic day, drawn from a seeded random generator."""

    def __init__(
        self, *, rng: random.Random, config: Config, services: Sequence[Service], site_id: str
    ) -> None:
        self.rng = rng
        self.site_id = site_id
        self.tz = config.tz
        self.services = list(services)
        self.weights = [
            3.0 if s.category in ("civil_status", "local_taxes") else 1.0 for s in services
        ]
        by_group = {g: c.code for c in config.categories for g in c.counter_groups}
        fallback = next(c.code for c in config.categories if not c.priority)
        self.letter = {s.id: by_group.get(s.counter_group, fallback) for s in services}
        self.priority = next((c.code for c in config.categories if c.priority), None)
        self.counters = {
            c.code: [k.number for k in config.counters if c.code in k.categories] or [1]
            for c in config.categories
        }

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day(self, batch: Batch, day: dt.date, tickets: int) -> None:
        hours = list(ARRIVALS_BY_HOUR)
        weights = list(ARRIVALS_BY_HOUR.values())
        numbers: dict[str, int] = {}
        for _ in range(tickets):
            hour = self.rng.choices(hours, weights)[0]
            # from opening (08:30) until issuing stops, a quarter of an hour before closing:
            # visitors still waiting then are served after 17:00 (art. 10(4))
            minute = self.rng.randrange(*{8: (30, 60), 16: (0, 45)}.get(hour, (0, 60)))
            issued = dt.datetime.combine(
                day, dt.time(hour, minute, self.rng.randrange(60)), tzinfo=self.tz
            ).astimezone(dt.UTC)
            self.ticket(batch, day, issued, hour, numbers)

    def ticket(
        self, batch: Batch, day: dt.date, issued: dt.datetime, hour: int, numbers: dict[str, int]
    ) -> None:
        rng = self.rng
        service = rng.choices(self.services, self.weights)[0]
        letter = self.letter[service.id]
        if self.priority and rng.random() < 0.05:
            letter = self.priority
        numbers[letter] = numbers.get(letter, 0) + 1
        label = ticket_label(letter, numbers[letter])
        counter = rng.choice(self.counters[letter])
        crowd = ARRIVALS_BY_HOUR[hour]
        wait = rng.expovariate(1 / (60 * (2 + 6 * crowd)))
        minutes = SERVICE_MINUTES.get(service.category, 6.0)
        service_s = rng.lognormvariate(math.log(60 * minutes), 0.45)
        t_uuid = self.uuid()
        common = {"site_id": self.site_id}
        batch.add(
            Ticket,
            uuid=t_uuid,
            created_at=issued,
            service_day=day,
            category_code=letter,
            number=numbers[letter],
            label=label,
            service_id=service.id,
            priority=letter == self.priority,
            language="bg" if rng.random() < 0.93 else "en",
            terminal_id=DEMO_TERMINAL,
            **common,
        )

        def event(kind: str, at: dt.datetime, **extra: Any) -> None:
            batch.add(
                TicketEvent,
                uuid=self.uuid(),
                created_at=at,
                ticket_uuid=t_uuid,
                kind=kind,
                counter_number=extra.get("counter"),
                category_code=extra.get("category"),
                clerk=extra.get("clerk"),
                reason=None,
                **common,
            )

        clerk = f"demo-clerk-{counter}"
        called = issued + dt.timedelta(seconds=round(wait))
        event("issued", issued, category=letter)
        event("called", called, counter=counter, clerk=clerk)
        state = {"status": "done", "called_at": called, "serving_at": None}
        if rng.random() < 0.04:
            finished = called + dt.timedelta(minutes=2)
            event("no_show", finished, counter=counter, clerk=clerk)
            state["status"] = "no_show"
        else:
            start = called
            if rng.random() < 0.7:
                start = called + dt.timedelta(seconds=rng.randrange(20, 90))
                event("serving", start, counter=counter, clerk=clerk)
                state["serving_at"] = start
            finished = start + dt.timedelta(seconds=round(service_s))
            event("done", finished, counter=counter, clerk=clerk)
            if rng.random() < 0.35:
                self.rating(batch, finished, wait, t_uuid, service.id, counter)
        batch.add(
            TicketOutcome,
            uuid=self.uuid(),
            created_at=finished,
            ticket_uuid=t_uuid,
            outcome=state["status"],
            service_day=day,
            issued_at=issued,
            service_id=service.id,
            category=service.category,
            hour=hour,
            counter_number=counter,
            wait_s=round((called - issued).total_seconds()),
            service_s=(
                round((finished - (state["serving_at"] or called)).total_seconds())
                if state["status"] == "done"
                else None
            ),
            **common,
        )
        batch.add(
            QueueState,
            ticket_uuid=t_uuid,
            ticket_seq=0,  # filled in by the loader once the ticket has its seq
            label=label,
            service_day=day,
            category_code=letter,
            priority=letter == self.priority,
            issued_at=issued,
            service_id=service.id,
            target_counter=None,
            counter_number=counter,
            finished_at=finished,
            **state,
        )

    def rating(
        self,
        batch: Batch,
        at: dt.datetime,
        wait_s: float,
        ticket_uuid: uuid.UUID,
        service_id: str,
        counter: int,
    ) -> None:
        rng = self.rng
        wait_min = wait_s / 60
        expected = 4.6 - 0.07 * wait_min
        score = max(1, min(5, round(rng.gauss(expected, 0.9))))
        at = at + dt.timedelta(seconds=rng.randrange(20, 120))
        for counted in (True, False) if rng.random() < 0.03 else (True,):
            r_uuid = self.uuid()
            batch.add(
                Rating,
                uuid=r_uuid,
                site_id=self.site_id,
                created_at=at,
                terminal_id=DEMO_TERMINAL,
                score=score,
                counted=counted,
                ticket_uuid=ticket_uuid,
                service_id=service_id,
                counter_number=counter,
            )
            if counted and rng.random() < 0.45:
                if score >= 4:
                    reason = rng.choice(HIGH_REASONS)
                elif wait_min > 12 or rng.random() < 0.3:
                    reason = "waiting"
                else:
                    reason = rng.choice(LOW_REASONS)
                batch.add(
                    RatingReason,
                    uuid=self.uuid(),
                    site_id=self.site_id,
                    created_at=at,
                    rating_uuid=r_uuid,
                    reason=reason,
                )
            at += dt.timedelta(seconds=5)

    def messages(
        self, batch: Batch, day: dt.date, now: dt.datetime, reg: dict[int, int], prefix: str
    ) -> None:
        rng = self.rng
        for kind, rate in MESSAGES_PER_DAY.items():
            if rng.random() >= rate:
                continue
            at = dt.datetime.combine(
                day, dt.time(rng.randrange(9, 17), rng.randrange(60)), tzinfo=self.tz
            ).astimezone(dt.UTC)
            reg[day.year] = reg.get(day.year, 0) + 1
            channel = rng.choices(list(CHANNEL_SHARES), list(CHANNEL_SHARES.values()))[0]
            about = rng.choice(self.services).id if rng.random() < ABOUT_A_SERVICE else None
            anonymous = rng.random() < 0.15
            needs_review = not anonymous or kind not in (Kind.COMPLAINT, Kind.SIGNAL)
            within = ANSWER_WITHIN.get(Kind(kind))
            due = day + within if within and needs_review else None
            m_uuid = self.uuid()
            n = reg[day.year]
            batch.add(
                Message,
                uuid=m_uuid,
                site_id=self.site_id,
                created_at=at,
                kind=kind,
                text=f"{DEMO_MARK} Синтетично съобщение № {n} ({kind}).",
                language="bg",
                anonymous=anonymous,
                health_safety=False,
                obscene=False,
                review_status="registered" if needs_review else "not_subject_to_review",
                review_note=None if needs_review else "anonymous",
                reg_number=f"{prefix}-{day.year}-{n:05d}",
                due_date=due,
                terminal_id=DEMO_TERMINAL,
                ticket_uuid=None,
                rating_uuid=None,
                service_id=about,
                channel=channel,
                # a letter or an e-mail is registered on the day it arrives in the demo
                received_on=None if channel is Channel.KIOSK else day,
                check_code=None,
            )
            if not anonymous:
                batch.add(
                    MessageContact,
                    uuid=self.uuid(),
                    site_id=self.site_id,
                    created_at=at,
                    message_uuid=m_uuid,
                    name=f"Демо Гражданин {n}",
                    contact=f"demo{n}@example.invalid",
                    consent=True,
                )
            if due is None:
                continue
            answered = at + dt.timedelta(days=rng.uniform(3, 34), hours=rng.uniform(0, 3))
            if rng.random() < 0.1:
                ext_at = at + dt.timedelta(days=rng.uniform(15, 25))
                if ext_at < now:
                    self._message_event(
                        batch,
                        m_uuid,
                        "extended",
                        ext_at,
                        text=f"{DEMO_MARK} Нужна е допълнителна проверка.",
                        new_due_date=due + dt.timedelta(days=30),
                    )
                    answered += dt.timedelta(days=20)
            if answered < now and rng.random() < 0.93:
                self._message_event(
                    batch, m_uuid, "answered", answered, text=f"{DEMO_MARK} Отговор по същество."
                )

    def _message_event(
        self,
        batch: Batch,
        m_uuid: uuid.UUID,
        kind: str,
        at: dt.datetime,
        *,
        text: str,
        new_due_date: dt.date | None = None,
    ) -> None:
        batch.add(
            MessageEvent,
            uuid=self.uuid(),
            site_id=self.site_id,
            created_at=at,
            message_uuid=m_uuid,
            kind=kind,
            actor="demo-quality",
            text=text,
            new_due_date=new_due_date,
            origin=EventOrigin.SITE,
        )


def synthetic_activity(
    *,
    config: Config,
    services: Sequence[Service],
    sites: Sequence[str],
    first_day: dt.date,
    days: int,
    tickets_per_day: int,
    now: dt.datetime,
    seed: int = 2026,
    days_per_batch: int = 7,
    numbers_taken: dict[int, int] | None = None,
) -> Iterator[Batch]:
    """Working days from first_day on, a batch every few days; the same seed gives the same rows.

    The generator is seeded from the site ids too: two sites seeded alike must not make the
    same records (the same UUIDs above all), as real sites never do.
    """
    rng = random.Random(f"{seed}:{'|'.join(sites)}")
    hours = WorkingHours.from_config(config)
    lobbies = [_Lobby(rng=rng, config=config, services=services, site_id=site) for site in sites]
    registry: dict[str, dict[int, int]] = {site: dict(numbers_taken or {}) for site in sites}
    prefix = config.site.register_prefix
    batch = Batch()
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=config.tz)
        if not hours.state(noon).is_open:
            continue
        for lobby in lobbies:
            weekday_factor = 1.25 if day.isoweekday() == 1 else 1.0
            count = max(
                1, round(rng.gauss(tickets_per_day * weekday_factor, tickets_per_day * 0.15))
            )
            lobby.day(batch, day, count)
            # each site of a municipality has its own register prefix
            own = prefix if len(lobbies) == 1 else f"{prefix}-{lobby.site_id}"
            lobby.messages(batch, day, now, registry[lobby.site_id], own)
        if (offset + 1) % days_per_batch == 0:
            yield batch
            batch = Batch()
    if len(batch):
        yield batch


def has_demo_data(db: Database) -> bool:
    with db.read() as s:
        return (
            s.scalar(select(Ticket.seq).where(Ticket.terminal_id == DEMO_TERMINAL).limit(1))
            is not None
        )


def seed_demo(
    db: Database,
    config: Config,
    *,
    days: int,
    tickets_per_day: int = 60,
    now: dt.datetime,
    seed: int = 2026,
) -> dict[str, int]:
    """Fill the site database with `days` of synthetic activity ending yesterday; returns row counts."""
    ensure_catalog(db)
    services = load_catalog(db).services
    today = now.astimezone(config.tz).date()
    counts = {t.__tablename__: 0 for t in TABLES}
    with db.read() as s:
        taken = {
            int(scope.split(":")[1]): value
            for scope, value in s.execute(
                select(NumberSequence.scope, NumberSequence.value).where(
                    NumberSequence.scope.like("register:%")
                )
            )
        }
    years = dict(taken)
    for batch in synthetic_activity(
        config=config,
        services=services,
        sites=[config.site_id],
        first_day=today - dt.timedelta(days=days),
        days=days,
        tickets_per_day=tickets_per_day,
        now=now,
        seed=seed,
        numbers_taken=taken,
    ):
        with db.write() as s:
            for table in TABLES:
                rows = batch.rows[table]
                if table is QueueState and rows:
                    seqs = dict(
                        s.execute(
                            select(Ticket.uuid, Ticket.seq).where(
                                Ticket.uuid.in_([r["ticket_uuid"] for r in rows])
                            )
                        ).all()
                    )
                    for r in rows:
                        r["ticket_seq"] = seqs[r["ticket_uuid"]]
                if rows:
                    s.execute(table.__table__.insert(), rows)
                counts[table.__tablename__] += len(rows)
            for r in batch.rows[Message]:
                year = r["created_at"].astimezone(config.tz).year
                years[year] = max(years.get(year, 0), int(r["reg_number"].rsplit("-", 1)[1]))
    _advance_register_numbers(db, years)
    return counts


def _advance_register_numbers(db: Database, years: dict[int, int]) -> None:
    """Registration numbers continue after the synthetic ones, so live messages never collide."""
    with db.write() as s:
        for year, top in years.items():
            scope = f"register:{year}"
            row = s.get(NumberSequence, scope)
            if row is None:
                s.add(NumberSequence(scope=scope, value=top))
            else:
                row.value = max(row.value, top)


def sample_booking(
    db: Database,
    config: Config,
    *,
    starts_at: dt.datetime,
    category: str = "Б",
    service_id: str | None = None,
) -> str:
    """A booking at this site as the sync pull stores it, marked [ДЕМО]: for the screenshots
    and for trying the check-in at a kiosk without a centre. Returns the code to type."""
    code = new_code()
    with db.write() as s:
        s.add(
            Appointment(
                booking_id=uuid.uuid4(),
                code=code,
                site_id=config.site_id,
                category_code=category,
                service_id=service_id,
                starts_at=starts_at,
                slot_minutes=30,
                status=BookingStatus.BOOKED,
                name="[ДЕМО]",
                updated_at=starts_at,
            )
        )
    return code
