"""Bookings at the centre (issue #17 item 3) on a real PostgreSQL, as the citizens' login:
free slots, the last place taken by one of two concurrent citizens, the limits, a move and a
cancel through the link, no name or contact readable back; the reminder job as the centre's
login against a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import ProgrammingError

from kiosk.cli import main
from kiosk.vocabulary import BookingStatus
from sync.bookings import (
    AddressLimit,
    BookingClosed,
    CentralBookings,
    ContactLimit,
    DayLimit,
    NewBooking,
    SlotTaken,
    UnknownBooking,
    normal_contact,
    remind,
)
from sync.schema import bookings
from tests.booking_fixtures import Bookable, Inbox
from tests.support import SOFIA, Clock

# the clock's day is Wednesday 25 November 2026, 10:00 in Sofia; the notice is an hour
THURSDAY_9 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=SOFIA)


def service_id(bookable: Bookable) -> str:
    return bookable.bookings.offers("tvarditsa")[0].service.id


def new(bookable: Bookable, at: dt.datetime, contact: str, address: str = "10.0.0.1") -> NewBooking:
    return NewBooking(
        site_id="tvarditsa",
        service_id=service_id(bookable),
        starts_at=at.astimezone(dt.UTC),
        name="Мария Петрова",
        contact=contact,
        language="bg",
        address=address,
    )


def test_the_offer_is_the_ruled_categorys_services_and_the_free_slots(bookable: Bookable) -> None:
    offers = bookable.bookings.offers("tvarditsa")
    assert offers and {o.category_code for o in offers} == {"А"}
    assert all(o.service.counter_group == "grao" for o in offers)
    assert [s.name.bg for s in bookable.bookings.sites()] == ["Твърдица"]
    free = bookable.bookings.free("tvarditsa", "А")
    first = free[0].starts_at.astimezone(SOFIA)
    # 10:00 now, an hour's notice: 11:00 today is the first; 11:30 today would end at 12:00
    assert (first.date(), first.time()) == (dt.date(2026, 11, 25), dt.time(11, 0))
    assert all(s.free == 1 for s in free)
    assert all(s.starts_at.astimezone(SOFIA).isoweekday() <= 5 for s in free)


def test_two_citizens_for_the_last_place_one_gets_it(bookable: Bookable, clock: Clock) -> None:
    # each request on its own connection at once; the lock serves them one after the other
    start = threading.Barrier(6)

    def attempt(n: int) -> str:
        start.wait()
        try:
            bookable.bookings.book(
                new(bookable, THURSDAY_9, f"+359 88 800 00{n:02d}", f"10.0.0.{n}")
            )
        except SlotTaken:
            return "taken"
        return "booked"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert sorted(outcomes) == ["booked"] + ["taken"] * 5
    engine = create_engine(bookable.admin_url)
    with engine.connect() as conn:
        count = conn.execute(
            select(bookings.c.code).where(bookings.c.starts_at == THURSDAY_9.astimezone(dt.UTC))
        ).all()
    engine.dispose()
    assert len(count) == 1
    assert THURSDAY_9 not in [s.starts_at for s in bookable.bookings.free("tvarditsa", "А")]


def test_a_contact_holds_at_most_its_active_bookings(bookable: Bookable) -> None:
    slots = bookable.bookings.free("tvarditsa", "А")
    for n, slot in enumerate(slots[:3]):
        bookable.bookings.book(new(bookable, slot.starts_at, "0888 123 456", f"10.0.1.{n}"))
    # the same phone written another way is the same contact
    with pytest.raises(ContactLimit):
        bookable.bookings.book(new(bookable, slots[3].starts_at, "+359888123456", "10.0.1.9"))
    assert normal_contact("00359 888 123 456") == normal_contact("0888-123-456")


def test_an_address_and_the_day_have_their_limits(
    bookable: Bookable, tmp_path: object, clock: Clock
) -> None:
    config = bookable.config.model_copy(
        update={
            "appointments": bookable.config.appointments.model_copy(
                update={"per_address_day": 2, "per_day": 3}
            )
        }
    )
    pages = CentralBookings(bookable.public_db, config, clock=clock)
    slots = pages.free("tvarditsa", "А")
    pages.book(new(bookable, slots[0].starts_at, "a@example.bg", "10.0.2.1"))
    pages.book(new(bookable, slots[1].starts_at, "b@example.bg", "10.0.2.1"))
    with pytest.raises(AddressLimit):
        pages.book(new(bookable, slots[2].starts_at, "c@example.bg", "10.0.2.1"))
    pages.book(new(bookable, slots[2].starts_at, "c@example.bg", "10.0.2.2"))
    with pytest.raises(DayLimit):
        pages.book(new(bookable, slots[3].starts_at, "d@example.bg", "10.0.2.3"))
    # a new day: the address and the day start again
    clock.advance(days=1)
    pages.book(new(bookable, pages.free("tvarditsa", "А")[0].starts_at, "e@example.bg", "10.0.2.1"))


def test_the_link_shows_moves_and_cancels_and_the_code_is_six_digits(
    bookable: Bookable,
) -> None:
    made = bookable.bookings.book(new(bookable, THURSDAY_9, "maria@example.bg"))
    assert made.booking.code.isdigit() and len(made.booking.code) == 6
    assert len(made.token) == 22
    seen = bookable.bookings.get(made.token)
    assert seen == made.booking
    later = THURSDAY_9 + dt.timedelta(hours=1)
    moved = bookable.bookings.move(made.token, later.astimezone(dt.UTC))
    assert moved.starts_at == later
    free = [s.starts_at for s in bookable.bookings.free("tvarditsa", "А")]
    assert THURSDAY_9 in free and later not in free
    assert bookable.bookings.cancel(made.token).status is BookingStatus.CANCELLED
    assert later in [s.starts_at for s in bookable.bookings.free("tvarditsa", "А")]
    with pytest.raises(BookingClosed):
        bookable.bookings.cancel(made.token)
    with pytest.raises(UnknownBooking):
        bookable.bookings.get(made.token[:-1] + ("A" if made.token[-1] != "A" else "B"))


def test_the_citizens_login_writes_personal_data_it_cannot_read(bookable: Bookable) -> None:
    made = bookable.bookings.book(new(bookable, THURSDAY_9, "maria@example.bg"))
    with bookable.public_db.engine.connect() as conn:
        for column in ("name", "contact", "contact_kind"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(f"SELECT {column} FROM bookings"))
            conn.rollback()
    engine = create_engine(bookable.admin_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, contact, manage_hash FROM bookings")).one()
    engine.dispose()
    assert (row.name, row.contact) == ("Мария Петрова", "maria@example.bg")
    assert made.token not in row.manage_hash  # only its SHA-256 is kept


def test_the_reminder_job_sends_what_is_owed_once(
    bookable: Bookable, inbox: Inbox, clock: Clock
) -> None:
    made = bookable.bookings.book(new(bookable, THURSDAY_9, "maria@example.bg"))
    bookable.bookings.book(new(bookable, THURSDAY_9 + dt.timedelta(hours=1), "0888 111 222"))
    centre = bookable.centre_db()
    try:
        # the page's confirmation failed (the server refused): the job sends it
        inbox.refuse = True
        assert remind(centre, bookable.config, clock=clock).failed == 1
        inbox.refuse = False
        assert remind(centre, bookable.config, clock=clock).sent == 1
        assert remind(centre, bookable.config, clock=clock).sent == 0
        (confirmation,) = inbox.wait(1)
        body = confirmation.get_content()
        assert made.booking.code in body and "26.11.2026" in body and "09:00" in body
        # booked today for tomorrow: the confirmation was the reminder; the phone gets none
        clock.set(dt.datetime(2026, 11, 25, 17, 0, tzinfo=SOFIA))
        assert remind(centre, bookable.config, clock=clock).sent == 0
        assert len(inbox.messages) == 1
    finally:
        centre.dispose()


def test_a_booking_made_before_gets_its_reminder_the_day_before(
    bookable: Bookable, inbox: Inbox, clock: Clock
) -> None:
    clock.set(dt.datetime(2026, 11, 24, 15, 0, tzinfo=SOFIA))
    made = bookable.bookings.book(new(bookable, THURSDAY_9, "maria@example.bg"))
    bookable.bookings.confirmed(made.token)
    centre = bookable.centre_db()
    try:
        clock.set(dt.datetime(2026, 11, 25, 8, 59, tzinfo=SOFIA))
        assert remind(centre, bookable.config, clock=clock).sent == 0  # before 09:00
        clock.set(dt.datetime(2026, 11, 25, 9, 0, tzinfo=SOFIA))
        assert remind(centre, bookable.config, clock=clock).sent == 1
        assert remind(centre, bookable.config, clock=clock).sent == 0
        (reminder,) = inbox.wait(1)
        assert reminder["Subject"] == f"Напомняне: часът ви утре в 09:00, код {made.booking.code}"
        # a move makes the new time's confirmation and reminder owed again; a cancel its notice
        bookable.bookings.move(made.token, (THURSDAY_9 + dt.timedelta(hours=2)).astimezone(dt.UTC))
        assert remind(centre, bookable.config, clock=clock).sent == 1
        bookable.bookings.cancel(made.token)
        assert remind(centre, bookable.config, clock=clock).sent == 1
        messages = inbox.wait(3)
        assert "11:00" in messages[1].get_content()
        assert messages[2]["Subject"] == "Часът ви на 26.11.2026 в 11:00 е отменен"
    finally:
        centre.dispose()


def test_kiosk_central_remind_sends_once_and_says_how_many(
    bookable: Bookable,
    inbox: Inbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the command runs on the real clock: a booking of the first slot free from now
    pages = CentralBookings(bookable.public_db, bookable.config)
    slot = pages.free("tvarditsa", "А")[0]
    made = pages.book(new(bookable, slot.starts_at, "maria@example.bg"))
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        f'[paths]\ndata_dir = "{tmp_path / "var"}"\n'
        f'[mail]\nhost = "127.0.0.1"\nport = {inbox.port}\nsecurity = "none"\n'
        'from_address = "noreply@tvarditsa.bg"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("KIOSK_CONFIG", str(toml))
    argv = ["--json", "central", "remind", "--url", bookable.centre_url, "--sslmode", "disable"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == {"sent": 1, "failed": 0}
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == {"sent": 0, "failed": 0}
    (message,) = inbox.wait(1)
    assert made.booking.code in message.get_content()


def test_a_bookings_name_and_contact_are_erased_once_its_day_is_past_the_retention(
    bookable: Bookable,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same retention as a complainant's data (register.retention_days, 365 here),
    counted from the booking's day; by `kiosk central erase-expired` as the centre's login."""
    pages = CentralBookings(bookable.public_db, bookable.config)
    old, kept = (
        pages.book(new(bookable, slot.starts_at, contact, address)).booking.code
        for slot, contact, address in zip(
            pages.free("tvarditsa", "А")[:2],
            ("maria@example.bg", "+359 88 800 0001"),
            ("10.0.0.1", "10.0.0.2"),
            strict=True,
        )
    )
    owner = create_engine(bookable.admin_url)
    with owner.begin() as conn:  # as if it had been booked for a day 366 days ago
        conn.execute(
            text("UPDATE bookings SET starts_at = now() - interval '366 days' WHERE code = :c"),
            {"c": old},
        )
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(toml))
    argv = ["--json", "central", "erase-expired", "--url", bookable.centre_url]
    capsys.readouterr()
    assert main([*argv, "--sslmode", "disable"]) == 0
    assert json.loads(capsys.readouterr().out)["bookings"] == 1
    assert main([*argv, "--sslmode", "disable"]) == 0  # nothing is erased twice
    assert json.loads(capsys.readouterr().out)["bookings"] == 0
    with owner.connect() as conn:
        rows = {
            r.code: r
            for r in conn.execute(select(bookings).where(bookings.c.code.in_([old, kept]))).all()
        }
    owner.dispose()
    gone = rows[old]
    assert (gone.name, gone.contact, gone.contact_kind) == (None, None, None)
    assert (gone.contact_hash, gone.address_hash) == (None, None)
    assert gone.erased_at is not None and gone.status == BookingStatus.BOOKED.value
    assert (rows[kept].name, rows[kept].contact) == ("Мария Петрова", "+359 88 800 0001")
    assert rows[kept].erased_at is None
