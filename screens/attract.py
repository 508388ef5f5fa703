"""The idle screen: who we are, whether we are open now and until when, the waits, "touch to start".

It says before any touch what a visitor can do now: take a number while tickets are
issued; otherwise read about services and give feedback, and when the centre opens next.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.labels import wait_text
from screens.base import KioskScreen
from screens.categories import waiting_words
from screens.opening import opening_text

REFRESH_S = 20


class AttractScreen(KioskScreen):
    hours_text = StringProperty("")
    issuing = BooleanProperty(True)  # tickets are issued now: waits and "take a number" show
    waiting = ListProperty()  # (code, name, waiting text, wait text)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refreshing = Clock.create_trigger(self._refresh_tick, REFRESH_S, interval=True)

    def _refresh_tick(self, _dt: float) -> None:
        self.refresh()

    # The pre_ events, not on_enter/on_leave: Kivy sends those only when a change of screen
    # runs to its end, and a second change in the same frame stops the first without them.
    # A timer started on entry then outlived the screen, one more for each such visit, each
    # reading the queue every 20 s all day.
    def on_pre_enter(self, *args: object) -> None:
        super().on_pre_enter(*args)
        self.refreshing()

    def on_pre_leave(self, *_args: object) -> None:
        self.refreshing.cancel()

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        status = app.queue.status()
        state = status.open_state
        self.issuing = state.can_issue
        self.hours_text = opening_text(app, state.reason)
        # waits only mean something while a number can be taken
        self.waiting = [
            (
                c.code,
                c.name.get(lang),
                waiting_words(app, c.waiting),
                # "nobody waiting" already says it: "no wait" beside it said it twice
                ""
                if c.waiting == 0 and c.estimated_wait_minutes <= 0
                else wait_text(c.estimated_wait_minutes, lang),
            )
            for c in (status.categories if state.can_issue else ())
        ]
        app.check_printer()

    def on_waiting(self, *_args: object) -> None:
        rows = self.ids.waiting_rows
        rows.clear_widgets()
        for code, name, count, wait in self.waiting:
            row = Factory.WaitingRow()  # a kv class: its properties exist only after creation
            row.code, row.name, row.count, row.wait = code, name, count, wait
            rows.add_widget(row)

    def on_touch_down(self, touch: Any) -> bool:
        # The visit starts when this finger lifts, not at the press: one held in the staff
        # corner opens the staff screen meanwhile (and lets go of this grab), whose Cancel
        # then comes back here, not to a visit begun under the staff's finger.
        touch.grab(self)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False  # another's touch (the speech bar's buttons), or given up
        touch.ungrab(self)
        # the touch comes in the manager's coordinates; the button's are this screen's own
        if self.ids.other_language.collide_point(*self.to_local(*touch.pos)):
            self.app.toggle_language()
        self.app.start_visit()
        return True


SCREEN = AttractScreen
