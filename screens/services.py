"""Services and documents: browse by category, or search as you type (Latin letters find Cyrillic)."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.catalog import CATEGORIES, Service, by_category
from kiosk.labels import SERVICE_CATEGORIES, label
from screens.base import KioskScreen

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
            services = [hit.service for hit in app.search_index.search(query, limit=MAX_RESULTS)]
            self.summary = (
                app.ntr("{n} service found", "{n} services found", len(services)).format(
                    n=len(services)
                )
                if services
                else app.tr("Nothing found. Try another word, or ask at the information desk.")
            )
        elif self.category:
            services = by_category(app.services)[self.category]
            self.summary = label(SERVICE_CATEGORIES, self.category, lang)
        else:
            services = []
            self.summary = app.tr("Choose a topic, or type what you are looking for.")
            grouped = by_category(app.services)
            for code in CATEGORIES:
                if not grouped[code]:
                    continue
                tile = Factory.TapButton(
                    icon=code, text=label(SERVICE_CATEGORIES, code, lang), size_hint_y=None
                )
                tile.category = code
                tile.bind(on_release=lambda b: setattr(self, "category", b.category))
                tiles.add_widget(tile)
        for service in services:
            row = Factory.ServiceRow()
            row.text, row.icon = service.text("name", lang), service.category
            row.service = service
            row.bind(on_release=lambda r: self.open_service(r.service))
            results.add_widget(row)
        self.ids.scroll.scroll_y = 1

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
