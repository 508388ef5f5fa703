"""The menu: ticket, services and documents, rating, opinion or complaint; language and access."""

from __future__ import annotations

from screens.base import KioskScreen


class HomeScreen(KioskScreen):
    def refresh(self) -> None:
        self.app.check_printer()

    def write_message(self) -> None:
        self.app.message_kind = "opinion"
        self.app.rating = None
        self.app.go_to("message")


SCREEN = HomeScreen
