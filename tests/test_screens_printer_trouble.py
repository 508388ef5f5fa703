"""Printer trouble a visitor can act on: the notice by the number, one retry, a stated time, a warning first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.models import TicketEvent
from tests.screens_touch import tap, texts, wait_for


@pytest.fixture
def kiosk(app: Any) -> Iterator[Any]:
    yield app
    app.printer = working_printer()
    app.printer_ok = True  # the printer of the next test works


def working_printer() -> Any:
    # imported here: a module that pytest loads as a plugin is not imported by a test module
    from tests.screens_fixtures import SerialSlipPrinter

    return SerialSlipPrinter()


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


def _ticket_with_the_cable_pulled(app: Any) -> Any:
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    buttons = {b.category: b for b in screen(app).ids.grid.children}
    cable = app.printer.close_after(20)
    tap(buttons["Б"])
    wait_for(lambda: app.print_result is not None)
    cable.join(timeout=5)
    assert not app.print_result.ok
    return screen(app)


def _events(app: Any) -> list[str]:
    with app.db.read() as s:
        return list(
            s.scalars(
                select(TicketEvent.kind)
                .where(TicketEvent.ticket_uuid == app.current_ticket.uuid)
                .order_by(TicketEvent.seq)
            )
        )


def test_the_notice_sits_by_the_number_and_one_retry_prints(kiosk: Any) -> None:
    from screens import headless

    app = kiosk
    ticket = _ticket_with_the_cable_pulled(app)
    label = app.current_ticket.label
    ids = ticket.ids
    # THEN the notice is right under the number, above the details, and says what to do
    assert ids.number.y >= ids.print_box.top >= ids.details.top
    assert ids.number.y - ids.print_box.top < 40
    words = ids.print_label.text
    assert f"Покажете този екран или кажете номера си на гишето: {label}." in words
    assert "ще се върне към началото след 3 минути" in words
    assert ids.retry_print.opacity == 1 and not ids.retry_print.disabled
    # WHEN the cable is back and the visitor tries once more, THEN the ticket prints
    app.printer = working_printer()
    tap(ids.retry_print)
    wait_for(lambda: app.print_result is not None)
    assert app.print_result.ok and "Вземете билетчето си" in texts(ticket)
    assert ids.retry_print.opacity == 0 and ticket.print_icon == "check"
    headless.pump(2)
    assert done_stands_alone_at_the_centre(ticket)
    assert _events(app) == ["issued", "print_failed", "printed"]


def done_stands_alone_at_the_centre(ticket: Any) -> bool:
    """The hidden retry gives its room back: "Done" alone, in the middle of its row."""
    retry, done = ticket.ids.retry_print, ticket.ids.done
    return retry.width <= 1 and abs(done.center_x - done.parent.center_x) <= 1


def test_the_next_visitor_finds_done_alone_at_the_centre(kiosk: Any) -> None:
    from screens import headless

    app = kiosk
    # GIVEN a visitor whose ticket did not print, shown "Try printing again" beside "Done"
    ticket = _ticket_with_the_cable_pulled(app)
    headless.pump(2)
    assert ticket.ids.retry_print.width > 1 and not done_stands_alone_at_the_centre(ticket)
    tap(ticket.ids.done)
    # WHEN the next visitor takes a ticket that prints
    app.printer = working_printer()
    tap(screen(app))
    tap(screen(app).ids.take_ticket)
    tap(next(b for b in screen(app).ids.grid.children if b.category == "Б"))
    wait_for(lambda: app.print_result is not None)
    assert app.print_result.ok and screen(app) is ticket
    headless.pump(2)
    # THEN no empty gap is kept where the retry was: "Done" is alone at the centre
    assert done_stands_alone_at_the_centre(ticket)


def test_only_one_retry(kiosk: Any) -> None:
    app = kiosk
    ticket = _ticket_with_the_cable_pulled(app)
    tap(ticket.ids.retry_print)  # the port is still closed
    wait_for(lambda: app.print_result is not None)
    assert not app.print_result.ok and not ticket.can_retry
    assert ticket.ids.retry_print.disabled
    assert _events(app) == ["issued", "print_failed", "print_failed"]


def test_the_unprinted_number_returns_to_the_start_after_its_time(kiosk: Any) -> None:
    app = kiosk
    app.screen("ticket").stays_s = 1.0  # three minutes on a kiosk; a second here
    try:
        _ticket_with_the_cable_pulled(app)
        assert screen(app).holds_when_idle  # the idle timer alone does not take it away
        wait_for(lambda: screen(app).name == "attract", seconds=10)
        assert app.current_ticket is None
    finally:
        app.screen("ticket").stays_s = 180.0


def test_while_the_printer_is_down_attract_and_home_say_so_first(kiosk: Any) -> None:
    app = kiosk
    app.printer.port.close()  # the printer stops answering
    app.end_visit()
    attract = screen(app)
    attract.refresh()
    wait_for(lambda: not app.printer_ok)
    notice = "Принтерът за билетчета не работи"
    assert attract.ids.printer_notice.opacity == 1 and notice in texts(attract)
    tap(attract)
    home = screen(app)
    assert home.name == "home"
    assert home.ids.printer_notice.opacity == 1 and notice in texts(home)
    # WHEN the printer answers again, THEN the next look at it clears the notice
    app.printer = working_printer()
    home.refresh()
    wait_for(lambda: app.printer_ok)
    assert home.ids.printer_notice.opacity == 0
