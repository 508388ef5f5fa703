"""Whole visitor journeys on the real Kivy app, driven by touches; the database checked after."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.labels import date_words
from kiosk.models import Message, MessageContact, Rating, RatingReason, Ticket, TicketEvent
from tests.screens_touch import tap, texts, type_keys, wait_for

# Below the configured minimum (10 s) to keep the tests short; it is the same timer.
IDLE_S = 3.0


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def test_ticket_for_a_service_found_by_a_latin_search(app: Any) -> None:
    # GIVEN the attract screen; WHEN the visitor searches in Latin letters and takes a ticket
    tap(screen(app))
    assert screen(app).name == "home"
    tap(screen(app).ids.services)
    services = screen(app)
    assert services.name == "services"
    tap(services.ids.search)
    tap(services.ids.keyboard.ids.latin)
    assert services.ids.keyboard.layout == "latin"
    type_keys(services.ids.keyboard, "brak dublikat")
    assert services.ids.search.text == "brak dublikat"
    rows = list(reversed(services.ids.results.children))
    assert rows and "граждански брак - дубликат" in rows[0].text
    tap(rows[0])
    detail = screen(app)
    assert detail.name == "service" and "брак" in detail.title
    assert detail.qr is not None  # the e-service link as a QR code
    tap(detail.ids.take_ticket)
    ticket_screen = screen(app)
    assert ticket_screen.name == "ticket"
    wait_for(lambda: app.print_result is not None)
    # THEN the ticket is in the database for that service, printed, and the screen says so
    service_id = app.current_service.id
    with app.db.read() as s:
        ticket = s.scalars(
            select(Ticket).where(
                Ticket.service_id == service_id, Ticket.uuid == app.current_ticket.uuid
            )
        ).one()
        kinds = list(
            s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_uuid == ticket.uuid))
        )
    assert ticket.category_code == "А"
    assert kinds == ["issued", "printed"]
    assert ticket_screen.number == ticket.label
    shown = texts(ticket_screen)
    assert ticket.label in shown and "Вземете билетчето си от принтера" in shown
    assert ticket.label.encode("cp866") in app.printer.received()
    tap(ticket_screen.ids.done)
    assert screen(app).name == "attract"


def test_two_faces_with_a_reason(app: Any) -> None:
    # earlier tests' visitors on this kiosk may have rated at this same moment of the test
    # clock, and a press within the repeat window is stored uncounted: this one comes later
    window_s = app.kiosk_config.feedback.repeat_window_s
    app.test_clock.advance(seconds=window_s + 1)
    try:
        rate_two_with_a_reason(app)
    finally:
        app.test_clock.advance(seconds=-(window_s + 1))


def rate_two_with_a_reason(app: Any) -> None:
    tap(screen(app))
    tap(screen(app).ids.rate)
    rating = screen(app)
    faces = list(reversed(rating.ids.faces.children))
    assert [f.icon for f in faces] == [f"face_{n}" for n in range(1, 6)]
    tap(faces[1])
    assert rating.step == "reasons"
    chips = {c.value: c for c in rating.ids.reasons.children}
    assert "waiting" in chips and "kind" not in chips  # what went wrong, after a low score
    tap(chips["waiting"])
    assert chips["waiting"].selected
    tap(rating.ids.send)
    assert screen(app).name == "thanks"
    assert "Вашата оценка ни помага" in texts(screen(app))
    with app.db.read() as s:
        latest = s.scalars(select(Rating).order_by(Rating.seq.desc()).limit(1)).one()
        reasons = list(
            s.scalars(select(RatingReason.reason).where(RatingReason.rating_uuid == latest.uuid))
        )
    assert latest.score == 2 and latest.counted
    assert reasons == ["waiting"]


def test_complaint_with_contact_details(app: Any) -> None:
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    kinds = {c.value: c for c in form.ids.kinds.children}
    tap(kinds["complaint"])
    assert form.needs_contact
    assert "анонимни жалби и сигнали не се разглеждат" in form.ids.charter_note.text
    tap(form.ids.text)
    type_keys(form.ids.keyboard, "грубо отношение")
    tap(form.ids.name)
    type_keys(form.ids.keyboard, "иван")
    tap(form.ids.contact)
    tap(form.ids.keyboard.ids.digits)
    type_keys(form.ids.keyboard, "0888123456")
    assert (form.ids.text.text, form.ids.name.text, form.ids.contact.text) == (
        "грубо отношение",
        "иван",
        "0888123456",
    )
    # without consent to the personal data the form says so, next to the fields
    tap(form.ids.submit)
    assert screen(app).name == "message"
    assert "дайте съгласие" in texts(form)
    tap(form.ids.consent)
    tap(form.ids.submit)
    thanks = screen(app)
    assert thanks.name == "thanks"
    with app.db.read() as s:
        message = s.scalars(select(Message).order_by(Message.seq.desc()).limit(1)).one()
        contact = s.scalars(
            select(MessageContact).where(MessageContact.message_uuid == message.uuid)
        ).one()
    assert (message.kind, message.text, message.anonymous) == (
        "complaint",
        "грубо отношение",
        False,
    )
    assert (contact.name, contact.contact, contact.consent) == ("иван", "0888123456", True)
    assert message.due_date is not None and message.review_status == "registered"
    assert thanks.number == message.reg_number
    assert date_words(message.due_date, "bg") in texts(thanks)
    tap(thanks.ids.print_receipt)
    wait_for(lambda: app.receipt_result is not None)
    assert "Вземете разписката" in texts(thanks)


@pytest.mark.parametrize(
    ("language", "by_date"),
    [
        ("bg", r"писмено до \d{1,2}\u00a0[а-я]+\u00a0\d{4}\u00a0г\. "),
        ("en", r"in writing by \d{1,2}\u00a0[A-Z][a-z]+\u00a0\d{4}\. "),
    ],
)
def test_the_thanks_screen_gives_the_answer_date_in_words(
    app: Any, language: str, by_date: str
) -> None:
    from screens import scenes

    # GIVEN a complaint sent in a language; WHEN its thanks screen shows
    scenes.show(app, "thanks", language=language)
    thanks = app.root.manager.current_screen
    # THEN its answer date has the month's name, in that language, not digits to decode, and
    # is never split over two lines
    assert re.search(by_date, thanks.details), thanks.details
    assert date_words(app.registration.due_date, language) in thanks.details


def test_idle_timer_fires_mid_typing(app: Any) -> None:
    app.idle_timeout, app.idle_warning_s = IDLE_S, 2
    tap(screen(app))
    tap(screen(app).ids.message)
    form = screen(app)
    tap(form.ids.text)
    tap(form.ids.top.ids.language)
    assert app.language == "en" and form.ids.keyboard.layout == "latin"
    type_keys(form.ids.keyboard, "half a")
    assert form.ids.text.text == "half a"
    with app.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Message))
    # first the question, with the seconds left; nobody answers, and the visit ends
    wait_for(lambda: app.idle_warning is not None, seconds=IDLE_S + 5)
    assert "Do you need more time?" in texts(app.idle_warning)
    assert "2 seconds" in texts(app.idle_warning)
    wait_for(lambda: screen(app).name == "attract", seconds=5)
    assert app.idle_warning is None
    assert app.language == "bg"
    assert form.ids.text.text == ""
    assert "Докоснете екрана" in texts(screen(app))
    with app.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == before


def test_printer_fails_mid_ticket(app: Any) -> None:
    app.idle_timeout = IDLE_S
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    categories = screen(app)
    buttons = {b.category: b for b in categories.ids.grid.children}
    cable = app.printer.close_after(20)
    tap(buttons["Б"])
    ticket_screen = screen(app)
    wait_for(lambda: app.print_result is not None)
    cable.join(timeout=5)
    assert not app.print_result.ok
    label = app.current_ticket.label
    shown = texts(ticket_screen)
    assert "кажете номера си на гишето: " + label in shown
    with app.db.read() as s:
        tickets = s.scalars(select(Ticket).where(Ticket.label == label)).all()
        events = s.execute(
            select(TicketEvent.kind, TicketEvent.reason).where(
                TicketEvent.ticket_uuid == tickets[0].uuid
            )
        ).all()
    assert len(tickets) == 1 and tickets[0].category_code == "Б"
    assert [k for k, _ in events] == ["issued", "print_failed"]
    assert events[1][1]  # why it failed, for staff
    # the number stays on screen past the idle timeout, until the visitor dismisses it
    deadline = time.monotonic() + IDLE_S * 1.5
    wait_for(lambda: time.monotonic() > deadline, seconds=IDLE_S * 3)
    assert screen(app) is ticket_screen and label in texts(ticket_screen)
    tap(ticket_screen.ids.done)
    assert screen(app).name == "attract"


def test_a_queue_out_of_numbers_says_so_not_closed_hours(app: Any) -> None:
    # GIVEN category Г has given out all 999 numbers today while the centre is open
    from kiosk.models import NumberSequence

    scope = f"ticket:{app.queue.today().isoformat()}:Г"
    of_g = select(func.count()).select_from(Ticket).where(Ticket.category_code == "Г")
    with app.db.write() as s:
        before = s.get(NumberSequence, scope)
        used = before.value if before else None
        s.merge(NumberSequence(scope=scope, value=999))
        issued = s.scalar(of_g)  # other files' visitors in this process may have taken some
    try:
        tap(screen(app))
        tap(screen(app).ids.take_ticket)
        categories = screen(app)
        assert categories.name == "categories"
        button = next(
            b for b in categories.ids.grid.children if getattr(b, "category", None) == "Г"
        )
        # WHEN the visitor asks for one more
        tap(button)
        # THEN no ticket is made and the screen says why in words, not "closed for today"
        closed = screen(app)
        assert closed.name == "closed"
        assert closed.reason.startswith("Всички номера за днес за тази опашка са раздадени")
        with app.db.read() as s:
            assert s.scalar(of_g) == issued

    finally:
        # the app serves the whole session: later visitors' Г tickets must still be possible
        with app.db.write() as s:
            if used is None:
                s.delete(s.get(NumberSequence, scope))
            else:
                s.merge(NumberSequence(scope=scope, value=used))


def test_every_screen_has_its_own_class_in_a_visitors_order(app: Any) -> None:
    from screens import SCREENS
    from screens.app import screen_class

    assert all(screen_class(name).__module__ == f"screens.{name}" for name in SCREENS)
    with pytest.raises(KeyError):
        screen_class("keyboard")  # a module of screens/, but no screen


def test_an_unsure_wait_is_told_on_the_screen_as_the_paper_prints_it(
    app: Any, tmp_path: Any
) -> None:
    from kiosk.queue import Queue
    from tests.support import make_config, upgraded

    # GIVEN a long queue at В, on a database of its own (the app's serves the whole session)
    config = make_config(tmp_path)
    db = upgraded(f"sqlite:///{tmp_path / 'long-queue.sqlite'}", config)
    kept, app.queue = app.queue, Queue(db, app.kiosk_config, clock=app.clock)
    try:
        for _ in range(12):
            app.queue.issue(category="В")
        # WHEN the next visitor takes a В ticket
        tap(screen(app))
        tap(screen(app).ids.take_ticket)
        tap(next(b for b in screen(app).ids.grid.children if getattr(b, "category", "") == "В"))
        ticket = app.current_ticket
        assert screen(app).name == "ticket" and ticket.wait_range is not None
        low, high = ticket.wait_range
        # THEN the screen tells the range its slip prints (tests/test_printer_slips.py), not
        # "about N minutes" above a paper that says otherwise
        shown = texts(screen(app))
        assert f"Очаквано чакане: от {low} до {high} минути" in shown
        assert "Очаквано чакане: около" not in shown
        wait_for(lambda: app.print_result is not None)
    finally:
        app.end_visit()
        app.queue = kept
        db.dispose()
