"""Rate our service: five faces, then optional reason chips, then optional words."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp, sp
from kivy.properties import NumericProperty, StringProperty

from kiosk.feedback import reasons_for
from kiosk.labels import RATING_REASONS, label
from screens.base import KioskScreen

FACES = {
    1: "Very bad",
    2: "Bad",
    3: "So-so",
    4: "Good",
    5: "Very good",
}


class RatingScreen(KioskScreen):
    step = StringProperty("faces")  # faces → reasons
    score = NumericProperty(0)
    face_words = StringProperty("")  # the chosen face's word, in English (translated in kv)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(landscape=lambda *_a: self._lay_faces())

    def refresh(self) -> None:
        app = self.app
        faces = self.ids.faces
        faces.clear_widgets()
        for score, words in FACES.items():
            face = Factory.TapButton(
                icon=f"face_{score}",
                face=score,
                text=app.tr(words),
                size_hint_y=1,
                base_font_size=sp(36),
            )
            face.score = score
            face.bind(on_release=lambda b: self.rate(b.score))
            faces.add_widget(face)
        self._lay_faces()
        self._fill_reasons()

    def _lay_faces(self) -> None:
        # Upright, five columns side by side were a fifth of the width each and most of the
        # screen's height: small faces in tall, empty bars. One face a row, beside its word,
        # gives each the row's height; a wide screen keeps them side by side.
        for face in self.ids.faces.children:
            face.orientation = "vertical" if self.app.landscape else "horizontal"

    def _fill_reasons(self) -> None:
        chips = self.ids.reasons
        chosen = {c.value for c in chips.children if c.selected}
        chips.clear_widgets()
        if not self.score:
            return
        for reason in reasons_for(int(self.score)):
            chip = Factory.Chip(
                text=label(RATING_REASONS, reason, self.app.language),
                icon=reason,  # a visitor who reads little chooses by the drawing
                value=reason,
                selected=reason in chosen,
                # the reasons have the screen to themselves: the whole row's height, large
                # words and drawings, the drawing clear of the rounded end
                size_hint_y=1,
                padding=(dp(24), dp(8)),
                base_font_size=sp(28),
                icon_size=dp(88),
            )
            chip.bind(on_release=lambda c: setattr(c, "selected", not c.selected))
            chips.add_widget(chip)

    def rate(self, score: int) -> None:
        """The press counts at once: a visitor who walks away after it has still rated."""
        self.app.rating = self.app.feedback.rate(score=score)
        self.score = score
        self.face_words = FACES[score]
        self.step = "reasons"
        self._fill_reasons()
        self.step_shown()

    def chosen(self) -> list[str]:
        return [c.value for c in reversed(self.ids.reasons.children) if c.selected]

    def _save_reasons(self) -> None:
        reasons = self.chosen()
        if reasons and self.app.rating is not None:
            self.app.feedback.add_reasons(rating_uuid=self.app.rating.uuid, reasons=reasons)

    def send(self) -> None:
        self._save_reasons()
        self.app.registration = None
        self.reset()
        self.app.go_to("thanks")

    def tell_more(self) -> None:
        self._save_reasons()
        self.app.message_kind = "opinion"
        self.reset()
        self.app.go_to("message")

    def reset(self) -> None:
        self.step = "faces"
        self.score = 0
        self.face_words = ""
        self.ids.reasons.clear_widgets()


SCREEN = RatingScreen
