"""The idle screen: who we are, today's hours, how many wait per category, "touch to start"."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty

from kiosk.hours import ClosedReason
from kiosk.labels import wait_text
from screens.base import KioskScreen
from screens.categories import waiting_words

REFRESH_S = 20


class AttractScreen(KioskScreen):
    hours_text = StringProperty("")
    waiting = ListProperty()  # (code, name, waiting text, wait text)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick: Any = None

    def on_enter(self, *_args: object) -> None:
        self._tick = Clock.schedule_interval(lambda _dt: self.refresh(), REFRESH_S)

    def on_leave(self, *_args: object) -> None:
        if self._tick is not None:
            self._tick.cancel()

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        status = app.queue.status()
        cfg = app.kiosk_config
        hours = {
            "open": cfg["hours.open"].strftime("%H:%M"),
            "close": cfg["hours.close"].strftime("%H:%M"),
        }
        if status.open_state.reason in (ClosedReason.WEEKEND, ClosedReason.HOLIDAY):
            self.hours_text = app.tr("Closed today")
        else:
            self.hours_text = app.tr("Open today {open}–{close}").format(**hours)
        self.waiting = [
            (
                c.code,
                getattr(c, f"name_{lang}"),
                waiting_words(app, c.waiting),
                wait_text(c.estimated_wait_minutes, lang),
            )
            for c in status.categories
        ]

    def on_waiting(self, *_args: object) -> None:
        rows = self.ids.waiting_rows
        rows.clear_widgets()
        for code, name, count, wait in self.waiting:
            row = Factory.WaitingRow()  # a kv class: its properties exist only after creation
            row.code, row.name, row.count, row.wait = code, name, count, wait
            rows.add_widget(row)

    def on_touch_down(self, touch: Any) -> bool:
        self.app.start_visit()
        return True


SCREEN = AttractScreen
