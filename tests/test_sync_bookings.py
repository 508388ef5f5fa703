"""The citizens' bookings reach the site, and what the site saw of them goes back.

A real central PostgreSQL (pgserver, TCP, SCRAM, the site's own login under row security)
and the site's SQLite file; the site's clock is the tests' own, the centre's is real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text

from kiosk.booked import Booked, VisitStatus
from kiosk.cli import main
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import Appointment, AppointmentEvent, utcnow
from kiosk.queue import Queue
from kiosk.vocabulary import AppointmentEventKind, BookingStatus
from sync.booking_pull import BookingWindow
from sync.central import CentralTarget
from sync.job import run_sync
from sync.schema import bookings
from tests.support import SOFIA, Clock, make_config, upgraded
from tests.sync_data import new_site_id
from tests.sync_fixtures import CentralServer, cli_site

TUESDAY = dt.date(2026, 11, 24)
PHONE = "+359888123456"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SOFIA)


def book(
    central: str,
    site: str,
    starts_at: dt.datetime,
    *,
    name: str = "Мария Петрова",
    category: str = "А",
    updated_at: dt.datetime | None = None,
) -> tuple[uuid.UUID, str]:
    """A booking as the citizens' pages store it: returns its id and code."""
    code = f"{secrets.randbelow(10**6):06d}"
    engine = create_engine(central)
    with engine.begin() as conn:
        booking_id = conn.execute(
            insert(bookings)
            .values(
                code=code,
                manage_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                site_id=site,
                category_code=category,
                service_id="2134",
                starts_at=starts_at,
                slot_minutes=15,
                status=BookingStatus.BOOKED.value,
                name=name,
                contact=PHONE,
                contact_kind="phone",
                consent_at=starts_at - dt.timedelta(days=3),
                updated_at=updated_at or dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            )
            .returning(bookings.c.booking_id)
        ).scalar_one()
    engine.dispose()
    return booking_id, code


def centre_sql(central: str, statement: str, **params: object) -> None:
    engine = create_engine(central)
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


class Site:
    def __init__(self, server: CentralServer, central: str, tmp_path: Path) -> None:
        self.site_id = new_site_id()
        self.central = central  # the admin's URL: what the citizens' pages write stands in
        self.target: CentralTarget = server.site_target(
            central, server.add_site(central, self.site_id)
        )
        self.config: Config = make_config(tmp_path, site__id=self.site_id)
        self.db: Database = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", self.config)
        self.clock = Clock(_at(TUESDAY, 7, 30))
        self.file = tmp_path / "site.sqlite"

    def sync(self) -> int:
        outcome = run_sync(
            self.db,
            self.target,
            batch_size=50,
            time_budget_s=30,
            first_delay_s=0.05,
            clock=self.clock,
            bookings=BookingWindow(self.config.tz, self.config.appointments.horizon_days),
        )
        assert outcome.ok, outcome.error
        return outcome.pulled_bookings

    def held(self) -> dict[uuid.UUID, Appointment]:
        with self.db.read() as s:
            return {a.booking_id: a for a in s.scalars(select(Appointment))}


@pytest.fixture
def site(central_server: CentralServer, tmp_path: Path) -> Site:
    return Site(central_server, central_server.new_central(), tmp_path)


def test_a_site_pulls_its_own_bookings_of_the_days_in_reach_with_the_name_and_never_the_contact(
    central_server: CentralServer, tmp_path: Path
) -> None:
    central = central_server.new_central()
    here = Site(central_server, central, tmp_path / "here")
    there = Site(central_server, central, tmp_path / "there")
    # GIVEN bookings of this site today, in a week and beyond the 30 days in reach, one of
    # yesterday, and one of another site today
    today, _ = book(central, here.site_id, _at(TUESDAY, 9, 30))
    week, _ = book(central, here.site_id, _at(TUESDAY + dt.timedelta(days=7), 11), category="Б")
    book(central, here.site_id, _at(TUESDAY + dt.timedelta(days=32), 10))
    book(central, here.site_id, _at(TUESDAY - dt.timedelta(days=1), 10))
    other, _ = book(central, there.site_id, _at(TUESDAY, 10), name="Иван Другоселски")
    # WHEN the site syncs
    assert here.sync() == 2
    # THEN it holds today's and next week's, with the name; nothing of the other site's
    held = here.held()
    assert set(held) == {today, week}
    assert held[today].name == "Мария Петрова" and held[today].status is BookingStatus.BOOKED
    assert held[today].starts_at == _at(TUESDAY, 9, 30)
    assert held[week].category_code == "Б" and held[week].service_id == "2134"
    here.db.dispose()
    stored = here.file.read_bytes()
    assert PHONE.encode() not in stored and "Другоселски".encode() not in stored
    # the other site's login, asked the same, gets its own booking alone
    assert there.sync() == 1 and set(there.held()) == {other}


def test_a_replay_changes_nothing_and_a_cancel_or_move_at_the_centre_reaches_the_site(
    site: Site,
) -> None:
    central = site.central
    cancelled, _ = book(central, site.site_id, _at(TUESDAY, 9, 30))
    moved, _ = book(central, site.site_id, _at(TUESDAY, 10, 0))
    assert site.sync() == 2
    assert site.sync() == 0  # the same rows again: nothing replaced
    # WHEN the citizens cancel one and move the other 40 days on, beyond the days in reach
    centre_sql(
        central,
        "UPDATE bookings SET status = 'cancelled', updated_at = now() WHERE booking_id = :b",
        b=cancelled,
    )
    centre_sql(
        central,
        "UPDATE bookings SET starts_at = starts_at + interval '40 days', updated_at = now() "
        "WHERE booking_id = :b",
        b=moved,
    )
    # THEN the next pull brings both changes, and the one after it none
    assert site.sync() == 2
    held = site.held()
    assert held[cancelled].status is BookingStatus.CANCELLED
    assert held[moved].starts_at == _at(TUESDAY, 10) + dt.timedelta(days=40)
    assert site.sync() == 0
    assert [v.booking_id for v in Booked(site.db, site.config, clock=site.clock).today()] == [
        cancelled
    ]


def test_a_day_coming_into_reach_brings_its_bookings_made_long_before(
    site: Site,
) -> None:
    central = site.central
    # a booking for day 31, made (and last changed) weeks ago
    far, _ = book(central, site.site_id, _at(TUESDAY + dt.timedelta(days=31), 9))
    assert site.sync() == 0
    site.clock.advance(days=1)
    assert site.sync() == 1 and far in site.held()


def test_a_name_of_a_day_gone_by_is_not_stored_again(
    site: Site,
) -> None:
    central = site.central
    booking, _ = book(central, site.site_id, _at(TUESDAY, 9))
    assert site.sync() == 1
    site.clock.advance(days=1)
    assert Booked(site.db, site.config, clock=site.clock).end_days().names_erased == 1
    # the centre changes yesterday's booking after its day: the copy follows, nameless
    centre_sql(central, "UPDATE bookings SET updated_at = now() WHERE booking_id = :b", b=booking)
    assert site.sync() == 0  # held, but of a day gone by: not asked for again
    assert site.held()[booking].name is None


def test_the_day_end_records_no_shows_once_and_they_reach_the_centre(
    site: Site,
) -> None:
    central = site.central
    came, _ = book(central, site.site_id, _at(TUESDAY, 9))
    late, _ = book(central, site.site_id, _at(TUESDAY, 9, 15))
    missed, _ = book(central, site.site_id, _at(TUESDAY, 9, 30), name="Петър Неидващ")
    cancelled, _ = book(central, site.site_id, _at(TUESDAY, 9, 45))
    centre_sql(
        central, "UPDATE bookings SET status = 'cancelled' WHERE booking_id = :b", b=cancelled
    )
    assert site.sync() == 4
    booked = Booked(site.db, site.config, clock=site.clock)
    queue = Queue(site.db, site.config, clock=site.clock)
    # GIVEN the visitor of 9:00 checked in at 8:50 and the one of 9:15 came at 9:40
    site.clock.set(_at(TUESDAY, 8, 50))
    ticket = queue.issue(category="А", due_at=_at(TUESDAY, 9))
    with site.db.write() as s:
        s.add(
            AppointmentEvent(
                site_id=site.site_id,
                created_at=site.clock(),
                booking_id=came,
                kind=AppointmentEventKind.CHECKED_IN,
                ticket_uuid=ticket.uuid,
            )
        )
    site.clock.set(_at(TUESDAY, 9, 40))
    walk_in = queue.issue(category="А")
    with site.db.write() as s:
        s.add(
            AppointmentEvent(
                site_id=site.site_id,
                created_at=site.clock(),
                booking_id=late,
                kind=AppointmentEventKind.LATE,
                ticket_uuid=walk_in.uuid,
            )
        )
    # WHEN the clerk looks at 9:41: the 9:30 visitor's window (10 minutes) is over
    site.clock.set(_at(TUESDAY, 9, 41))
    statuses = {v.booking_id: (v.status, v.ticket_label) for v in booked.today()}
    assert statuses == {
        came: (VisitStatus.CHECKED_IN, ticket.label),
        late: (VisitStatus.LATE, walk_in.label),
        missed: (VisitStatus.OVERDUE, None),
        cancelled: (VisitStatus.CANCELLED, None),
    }
    # a day still open records nobody: a late visitor may yet come
    assert booked.end_days().no_shows == 0
    # THEN at the close (17:00) the one nobody checked in is a no-show, once
    site.clock.set(_at(TUESDAY, 17, 0))
    assert booked.end_days().no_shows == 1
    assert booked.end_days().no_shows == 0
    assert {v.booking_id: v.status for v in booked.today()}[missed] is VisitStatus.NO_SHOW
    # and the evening's sync pushes what the site saw of its bookings to the centre
    site.sync()
    engine = create_engine(central)
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                text("SELECT booking_id, kind FROM appointment_events WHERE site_id = :s"),
                {"s": site.site_id},
            ).all()
        )
    engine.dispose()
    assert kinds == {came: "checked_in", late: "late", missed: "no_show"}
    # the next morning the names of the day gone by are erased at the site
    site.clock.set(_at(TUESDAY + dt.timedelta(days=1), 7, 0))
    assert booked.end_days().names_erased == 4
    assert {a.name for a in site.held().values()} == {None}


def test_kiosk_sync_pulls_the_bookings_and_records_the_days_no_shows(
    central_server: CentralServer, tmp_path: Path, capsys, monkeypatch
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    cli = cli_site(central_server, central, site, tmp_path)
    monkeypatch.setenv("TEST_CENTRAL_URL", cli.central_url)
    tomorrow = utcnow().astimezone(SOFIA).date() + dt.timedelta(days=1)
    booking, code = book(central, site, _at(tomorrow, 10), updated_at=utcnow())
    # a booking of a day gone by that nobody checked in, as an earlier pull left it
    gone = uuid.uuid4()
    with cli.db.write() as s:
        s.add(
            Appointment(
                booking_id=gone,
                code="000001",
                site_id=site,
                category_code="А",
                starts_at=_at(tomorrow - dt.timedelta(days=3), 9),
                slot_minutes=15,
                status=BookingStatus.BOOKED,
                name="Гергана Забравила",
                language="bg",
                updated_at=utcnow(),
                pulled_at=utcnow(),
            )
        )
    capsys.readouterr()
    assert main([*cli.args, "--json", "sync"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["pulled_bookings"], out["no_shows"]) == (1, 1)
    with cli.db.read() as s:
        held = {a.booking_id: (a.code, a.name) for a in s.scalars(select(Appointment))}
    assert held == {booking: (code, "Мария Петрова"), gone: ("000001", None)}
    engine = create_engine(central)
    with engine.connect() as conn:
        pushed = conn.execute(
            text("SELECT booking_id, kind FROM appointment_events WHERE site_id = :s"),
            {"s": site},
        ).all()
    engine.dispose()
    assert pushed == [(gone, "no_show")]
    cli.db.dispose()
