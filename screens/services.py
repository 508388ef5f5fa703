"""Services and documents: browse by category, or search as you type (Latin letters find Cyrillic)."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.catalog import CATEGORIES, Service, by_category
from kiosk.labels import SERVICE_CATEGORIES, label
from kiosk.search import Results
from screens.base import KioskScreen
from screens.issuing import take_ticket

MAX_RESULTS = 15


class ServicesScreen(KioskScreen):
    category = StringProperty("", allownone=True)
    summary = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.ids.keyboard.attach(self.ids.search)

    def refresh(self) -> None:
        self.app.refresh_catalog()
        self.show()

    def on_category(self, *_args: object) -> None:
        self.show()

    def start_typing(self) -> None:
        self.ids.keyboard.shown = True

    def search_entered(self) -> None:
        """Enter on the search: the keyboard makes way for the results."""
        self.ids.keyboard.close()

    def on_search_text(self, _text: str) -> None:
        self.show()

    def show(self) -> None:
        """The category tiles, a category's services, or the search results."""
        app, lang = self.app, self.app.language
        query = self.ids.search.text.strip()
        tiles, results = self.ids.tiles, self.ids.results
        tiles.clear_widgets()
        results.clear_widgets()
        if query:
            found = app.search_index.search(query, limit=MAX_RESULTS)
            services = [hit.service for hit in found.hits]
            self.summary = self._found_text(found)
            if not services:  # offer a way on: a ticket for general information, and the topics
                self._add_general_ticket(tiles)
                self._add_topic_tiles(tiles)
        elif self.category:
            services = by_category(app.services)[self.category]
            self.summary = label(SERVICE_CATEGORIES, self.category, lang)
        else:
            services = []
            self.summary = app.tr("Choose a topic, or type what you are looking for.")
            self._add_topic_tiles(tiles)
        for service in services:
            row = Factory.ServiceRow()
            row.text, row.icon = service.name.get(lang), service.category
            row.service = service
            row.bind(on_release=lambda r: self.open_service(r.service))
            results.add_widget(row)
        self.ids.scroll.scroll_y = 1

    def _found_text(self, found: Results) -> str:
        app, shown = self.app, len(found.hits)
        if not shown:
            return app.tr(
                "Nothing found. Choose a topic below, or take a ticket for general information."
            )
        if found.partial:
            return app.tr("No service has every word you typed. These come closest:")
        if found.total > shown:
            return app.tr(
                "Showing {shown} of {n} services. Add a word to narrow the search."
            ).format(shown=shown, n=found.total)
        return app.ntr("{n} service found", "{n} services found", shown).format(n=shown)

    def _add_topic_tiles(self, tiles: Any) -> None:
        lang = self.app.language
        grouped = by_category(self.app.services)
        for code in CATEGORIES:
            if not grouped[code]:
                continue
            # a tile fills its row: at a button's usual height, larger text shrank the
            # longer topics' words below the size they must keep
            tile = Factory.TapButton(
                icon=code, text=label(SERVICE_CATEGORIES, code, lang), size_hint_y=1
            )
            tile.category = code
            tile.bind(on_release=lambda b: self.choose_topic(b.category))
            tiles.add_widget(tile)

    def _add_general_ticket(self, tiles: Any) -> None:
        if self.app.queue.category_for(counter_group="general") is None:
            return
        tile = Factory.TapButton(
            icon="ticket", text=self.app.tr("Ticket for general information"), size_hint_y=1
        )
        tile.bind(on_release=lambda _b: self.general_ticket())
        tiles.add_widget(tile)

    def choose_topic(self, code: str) -> None:
        self.ids.search.text = ""
        self.category = code

    def general_ticket(self) -> None:
        category = self.app.queue.category_for(counter_group="general")
        if category is not None:
            take_ticket(self.app, category=category, service=None)

    def open_service(self, service: Service) -> None:
        self.ids.keyboard.shown = False
        self.app.current_service = service
        self.app.go_to("service")

    def back_to_topics(self) -> None:
        self.ids.search.text = ""
        self.category = ""

    def reset(self) -> None:
        self.category = ""
        self.show()

    def on_pre_enter(self, *args: object) -> None:
        super().on_pre_enter(*args)
        self.ids.keyboard.shown = bool(self.ids.search.focus)


SCREEN = ServicesScreen
