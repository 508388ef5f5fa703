"""The attract screen at every hour: open or closed, when we open next, waits only while issuing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.screens_touch import tap, texts
from tests.support import SOFIA, WORKING_MORNING


@pytest.fixture
def at(app: Any) -> Iterator[Any]:
    """Set the kiosk's clock to a local time and show the attract screen as it is then."""

    def set_clock(local: dt.datetime) -> Any:
        app.test_clock.set(local.replace(tzinfo=SOFIA))
        app.end_visit()
        attract = app.root.manager.current_screen
        attract.refresh()
        return attract

    yield set_clock
    app.test_clock.set(WORKING_MORNING)
    app.end_visit()


def screen(app: Any) -> Any:
    return app.root.manager.current_screen


# 25.11.2026 is a Wednesday; 24–28.12.2026 are public holidays (26.12, a Saturday, moves to 28.12)
@pytest.mark.parametrize(
    ("local", "says"),
    [
        (
            dt.datetime(2026, 11, 25, 22, 44),
            [
                "Центърът приключи работа за днес",
                "Отново работим на 26\u00a0ноември\u00a02026\u00a0г. от 08:30 ч.",
            ],
        ),
        (
            dt.datetime(2026, 11, 28, 10, 0),
            [
                "Днес центърът не работи",
                "Отново работим на 30\u00a0ноември\u00a02026\u00a0г. от 08:30 ч.",
            ],
        ),
        (
            dt.datetime(2026, 12, 24, 10, 0),
            [
                "Днес е официален празник",
                "Отново работим на 29\u00a0декември\u00a02026\u00a0г. от 08:30 ч.",
            ],
        ),
        (dt.datetime(2026, 11, 25, 8, 0), ["Днес започваме работа в 08:30 ч."]),
        (
            dt.datetime(2026, 11, 25, 16, 50),
            [
                "Днес вече не се издават билети",
                "Отново работим на 26\u00a0ноември\u00a02026\u00a0г. от 08:30 ч.",
            ],
        ),
    ],
)
def test_closed_it_says_so_and_when_it_opens_and_shows_no_waits(
    app: Any, at: Any, local: dt.datetime, says: list[str]
) -> None:
    attract = at(local)
    shown = texts(attract)
    # THEN before any touch: closed, why, when next; no waits; information and feedback only
    for words in says:
        assert words in attract.hours_text, attract.hours_text
    assert not attract.issuing and attract.ids.waiting.opacity == 0
    assert "чакащи" not in shown and "Днес работим" not in shown
    assert "прочетете за услугите ни или да ни кажете мнението си" in shown
    # WHEN touched, THEN the menu has no way to a ticket: its "Start" leads back to itself
    tap(attract)
    closed = screen(app)
    assert closed.name == "closed"
    assert closed.next_opening in attract.hours_text  # both screens tell the same opening
    start = next(b for b in closed.walk() if getattr(b, "icon", "") == "home")
    tap(start)
    assert screen(app).name == "closed"
    tap(closed.ids.services)
    assert screen(app).name == "services"


def test_open_it_shows_the_hours_and_the_waits(app: Any, at: Any) -> None:
    attract = at(dt.datetime(2026, 11, 25, 10, 0))
    assert attract.issuing and attract.ids.waiting.opacity == 1
    assert attract.hours_text == "Днес работим 08:30–17:00 ч."
    assert "чакащи" in texts(attract)
    tap(attract)
    assert screen(app).name == "home"


def test_a_category_nobody_waits_for_says_so_once(app: Any, at: Any) -> None:
    # a day no other test issues a ticket on (the app's database is the session's): nobody
    # waits, and each row says so once, not "Няма чакащи" beside "без чакане"
    attract = at(dt.datetime(2027, 3, 10, 10, 0))
    assert attract.issuing and len(attract.waiting) == 5
    assert all(row[2] == "Няма чакащи" and row[3] == "" for row in attract.waiting)
    assert "без чакане" not in texts(attract)


def test_a_service_page_offers_no_ticket_when_none_is_issued(app: Any, at: Any) -> None:
    at(dt.datetime(2026, 11, 25, 22, 44))
    app.refresh_catalog()
    app.current_service = app.services[0]
    app.go_to("service")
    assert screen(app).ids.take_ticket.disabled and screen(app).ids.take_ticket.opacity == 0


@pytest.mark.parametrize("speech_bar", [False, True])
def test_english_is_offered_in_english_before_any_touch(
    app: Any, at: Any, speech_bar: bool
) -> None:
    from screens import headless

    # with the speech bar below it, the screen does not start at the window's bottom edge
    app.can_read_aloud = speech_bar
    headless.pump(3)
    try:
        attract = at(dt.datetime(2026, 11, 25, 10, 0))
        button = attract.ids.other_language
        assert button.text == "For English, touch here" and app.language == "bg"
        tap(button)
        assert app.language == "en" and screen(app).name == "home"
        assert "What would you like to do?" in texts(screen(app))
    finally:
        app.can_read_aloud = False
