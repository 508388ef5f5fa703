"""Put the app in a typical state for each screen: what `kiosk screenshots` photographs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.check_in import CheckIns
from kiosk.demo_seed import sample_booking
from kiosk.messages import Draft, Kind, Registration
from kiosk.printing import PrinterState, PrintResult

SAMPLE_SEARCH = "udostoverenie"
#: Screens photographed in more than one state: each state's name ("" the screen as opened).
STATES = {
    "message_status": ("", "result", "wrong", "paused"),
    "appointment": ("", "wrong", "paused"),
    "ticket": ("", "booked", "late"),
    "rating": ("", "reasons"),
}


def _sample_complaint(app: Any, language: str) -> Registration:
    return app.messages.submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Sample complaint for the screenshot.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
            language=language,
        )
    )


def _check_message(app: Any, state: str, language: str) -> None:
    """The status check as a visitor leaves it: a message's state, a refusal or the pause."""
    if not state:
        return
    screen = app.current_screen
    reg = _sample_complaint(app, language)
    wrong = f"{(int(reg.check_code) + 1) % 1000000:06d}"
    tries = app.kiosk_config.register.status_check_attempts if state == "paused" else 1
    for _ in range(tries):
        screen.ids.number.text = reg.reg_number.partition("-")[2]  # as a visitor types it
        screen.ids.code.text = reg.check_code if state == "result" else wrong
        screen.check()


def _later(checks: Any) -> None:
    """Each picture of a check an hour after the last: the earlier ones' wrong tries
    (counted in the database, per terminal) have run out of their window by then."""
    later = checks.clock() + dt.timedelta(hours=1)
    checks.clock = lambda: later


def check_in_sample(app: Any, state: str) -> None:
    """A booked visitor's ticket: "booked" half an hour early, "late" an hour after the slot."""
    # not the check-in screen's: its clock runs ahead for the pictures of wrong codes
    desk = CheckIns(app.db, app.kiosk_config, clock=app.clock, queue=app.queue)
    slot = app.clock() + dt.timedelta(minutes=30 if state == "booked" else -60)
    service = _sample_service(app)
    category = app.queue.category_for(counter_group=service.counter_group)
    code = sample_booking(
        app.db, app.kiosk_config, starts_at=slot, category=category, service_id=service.id
    )
    checked = desk.check_in(code, language=app.language)
    app.current_service, app.current_ticket = service, checked.ticket
    app.current_check_in = checked
    app.print_result = PrintResult(ok=True, state=PrinterState.OK)


def _check_in(app: Any, state: str) -> None:
    """The check-in as a visitor leaves it: a wrong code refused, or the pause."""
    if not state:
        return
    screen = app.current_screen
    tries = app.kiosk_config.appointments.check_in_attempts if state == "paused" else 1
    for _ in range(tries):
        screen.ids.code.text = "000000"
        screen.check_in()


def _give_reasons(app: Any) -> None:
    """The reasons after a low face (the more of them, and the longer words), one chosen."""
    screen = app.current_screen
    screen.rate(2)
    screen.ids.reasons.children[-1].selected = True  # children are in reverse order


def _sample_service(app: Any) -> Any:
    app.refresh_catalog()
    with_link = [s for s in app.services if s.eservice_url and s.documents]
    return next(
        (s for s in with_link if s.iisda == 2016), with_link[0] if with_link else app.services[0]
    )


def show(app: Any, name: str, *, language: str, state: str = "") -> None:
    app.on_idle()  # a clean slate, as a new visitor finds it
    app.language = language
    clock = app.queue.clock
    if name == "closed":
        evening = clock() + dt.timedelta(hours=10)
        app.queue.clock = lambda: evening
    if name in ("service", "ticket"):
        app.current_service = _sample_service(app)
    if name == "ticket" and state:
        check_in_sample(app, state)
    elif name == "ticket":
        app.current_ticket = app.queue.issue(
            category=app.queue.category_for(counter_group=app.current_service.counter_group),
            service_id=app.current_service.id,
            language=language,
        )
        app.print_result = PrintResult(ok=True, state=PrinterState.OK)
    if name == "message":
        app.message_kind = "complaint"
    if name == "thanks":
        app.registration = _sample_complaint(app, language)
    if name == "message_status":
        _later(app.screen("message_status").checks)
    if name == "appointment":
        _later(app.screen("appointment").desk)
    app.go_to(name)
    if name == "message_status":
        _check_message(app, state, language)
    if name == "appointment":
        _check_in(app, state)
    if name == "rating" and state:
        _give_reasons(app)
    if name == "services":
        screen = app.current_screen
        screen.start_typing()
        screen.ids.search.text = SAMPLE_SEARCH
    app.queue.clock = clock
