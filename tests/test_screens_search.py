"""Search on the services screen as a visitor types it: the count, and a way on when nothing matches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kiosk.models import Ticket
from tests.screens_touch import tap, type_keys


def _services_screen(app: Any, layout: str) -> Any:
    """The services screen with the keyboard open on `layout` (whatever the last visitor left)."""
    tap(app.root.manager.current_screen)  # the attract screen
    tap(app.root.manager.current_screen.ids.services)
    services = app.root.manager.current_screen
    assert services.name == "services"
    tap(services.ids.search)
    services.ids.keyboard.layout = layout
    return services


def test_an_everyday_word_finds_the_service(app: Any) -> None:
    # GIVEN the services screen; WHEN the visitor types "смет" on the Cyrillic keyboard
    services = _services_screen(app, "phonetic")
    type_keys(services.ids.keyboard, "смет")
    # THEN the waste fee comes first, not a flood of look-alike words
    rows = list(reversed(services.ids.results.children))
    assert rows and "битови отпадъци" in rows[0].text
    assert len(rows) <= 3
    assert services.summary.startswith("Намерен")


def test_latin_words_find_only_the_services_that_have_them_all(app: Any) -> None:
    # GIVEN the Latin keyboard; WHEN the visitor types "taksa smet"
    services = _services_screen(app, "latin")
    type_keys(services.ids.keyboard, "taksa smet")
    # THEN the waste fee alone, counted as one: not it and a dozen services with a fee
    rows = list(reversed(services.ids.results.children))
    assert len(rows) == 1 and "битови отпадъци" in rows[0].text
    assert services.summary == "Намерена е 1 услуга"


def test_a_cut_list_says_how_many_there_are(app: Any) -> None:
    services = _services_screen(app, "latin")
    type_keys(services.ids.keyboard, "udostoverenie")
    rows = list(reversed(services.ids.results.children))
    found = app.search_index.search("udostoverenie", limit=100)
    assert len(rows) == 15 < found.total
    assert services.summary == (
        f"Показани са 15 от {found.total} услуги. Добавете дума, за да стесните търсенето."
    )


def test_nothing_found_offers_topics_and_a_general_information_ticket(app: Any) -> None:
    # GIVEN a word no service has
    services = _services_screen(app, "phonetic")
    type_keys(services.ids.keyboard, "жщщфкъ")
    assert list(services.ids.results.children) == []
    assert services.summary.startswith("Нищо не е намерено")
    # THEN the topics are offered, and first a ticket for general information
    tiles = list(reversed(services.ids.tiles.children))
    assert tiles[0].text == "Вземете номер за обща информация"
    assert len(tiles) > 5 and all(hasattr(t, "category") for t in tiles[1:])
    # WHEN the visitor takes it, THEN a ticket of the category serving "general" is issued
    tap(tiles[0])
    assert app.root.manager.current_screen.name == "ticket"
    with app.db.read() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.uuid == app.current_ticket.uuid)).one()
    assert ticket.category_code == "Г" and ticket.service_id is None
