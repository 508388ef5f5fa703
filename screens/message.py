"""Opinion, suggestion, praise, complaint or signal: the charter's rules said before sending."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, StringProperty

from kiosk.labels import MESSAGE_KINDS, label
from kiosk.messages import (
    MAX_CONTACT,
    MAX_NAME,
    NEEDS_CONTACT,
    Draft,
    Kind,
    MessageInvalid,
    flagged_wording,
)
from screens.base import KioskScreen

#: What the form says for each (field, problem) a MessageInvalid can carry.
ERRORS = {
    ("text", "empty"): "Please write your message.",
    ("text", "too_long"): "The message is too long: please shorten it.",
    ("name", "required"): "Please give your name, or choose to stay anonymous.",
    ("name", "too_long"): "The name is too long.",
    ("contact", "invalid"): "Please give a phone number or an e-mail address.",
    ("contact", "too_long"): "The contact is too long.",
    (
        "consent",
        "required",
    ): "Please agree to the processing of your personal data, or stay anonymous.",
}


class MessageScreen(KioskScreen):
    needs_contact = BooleanProperty(False)
    errors = DictProperty()
    #: the words the list suggests may offend, said before sending; empty when none
    wording_notice = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(message_kind=lambda *_a: self._fill_kinds())
        ids = self.ids
        ids.text.max_length = self.app.kiosk_config.feedback.max_text
        ids.name.max_length, ids.contact.max_length = MAX_NAME, MAX_CONTACT
        ids.keyboard.attach(ids.text, ids.name, ids.contact)
        ids.text.bind(text=self._show_chars_left)
        # Enter on a one-line field: on to the next one, or the keyboard makes way for "Send"
        ids.name.bind(on_text_validate=lambda *_a: setattr(ids.contact, "focus", True))
        ids.contact.bind(on_text_validate=lambda *_a: ids.keyboard.close())
        for field in (ids.text, ids.name):
            field.bind(text=lambda *_a: setattr(self, "wording_notice", ""))

    def refresh(self) -> None:
        self._fill_kinds()
        self.errors = {}

    def _fill_kinds(self) -> None:
        kinds = self.ids.kinds
        kinds.clear_widgets()
        for kind in Kind:
            chip = Factory.Chip(
                text=label(MESSAGE_KINDS, kind, self.app.language),
                value=kind,
                selected=kind == self.app.message_kind,
            )
            chip.bind(on_release=lambda c: setattr(self.app, "message_kind", c.value))
            kinds.add_widget(chip)
        self.needs_contact = Kind(self.app.message_kind) in NEEDS_CONTACT

    def language_changed(self) -> None:
        self._fill_kinds()  # what was typed stays
        self._show_chars_left()

    def _show_chars_left(self, *_args: object) -> None:
        field = self.ids.text
        left = int(field.max_length) - len(field.text)
        self.ids.chars_left.text = (
            self.app.ntr("{n} character left", "{n} characters left", left).format(n=left)
            if field.text
            else ""
        )

    def submit(self, *, wording_seen: bool = False) -> None:
        """Register the message; wording the list flags is said first, and sent only when asked."""
        app, ids = self.app, self.ids
        anonymous = not self.needs_contact or ids.anonymous.active
        draft = Draft(
            kind=Kind(app.message_kind),
            text=ids.text.text,
            name="" if anonymous else ids.name.text,
            contact="" if anonymous else ids.contact.text,
            anonymous=anonymous,
            health_safety=self.needs_contact and ids.health_safety.active,
            consent=ids.consent.active and not anonymous,
            language=app.language,
            ticket_uuid=app.current_ticket.uuid if app.current_ticket else None,
            rating_uuid=app.rating.uuid if app.rating else None,
        )
        words = flagged_wording(draft)
        if words and not wording_seen:
            self.wording_notice = app.tr(
                "These words may be read as offensive: {words}. Under our Client Charter, a message with obscene or offensive wording may be left without an answer. You can change the text, or send it as it is."
            ).format(words=", ".join(f"«{w}»" for w in words))
            self._tell(self.wording_notice)
            self._bring_into_view(ids.wording)
            return
        try:
            registration = app.messages.submit(draft)
        except MessageInvalid as exc:
            self.errors = {
                exc.field: app.tr(ERRORS.get((exc.field, exc.problem), "Please check this field."))
            }
            self._tell(self.errors[exc.field])
            return
        app.registration = registration
        self.reset()
        app.go_to("thanks")

    def _bring_into_view(self, widget: Any) -> None:
        """The keyboard makes way and the form scrolls to `widget`: the notice's buttons were
        left under the keyboard, half of them out of reach."""
        self.ids.keyboard.close()
        # once laid out, the notice with its height and the form with the keyboard's room;
        # not for the next visitor, should this one have gone by then
        Clock.schedule_once(lambda _dt: self._scroll_to(widget))

    def _scroll_to(self, widget: Any) -> None:
        scroll = self.ids.scroll
        # a form shorter than its view is all in sight; scrolling it would push it away
        if self.wording_notice and scroll.children[0].height > scroll.height:
            scroll.scroll_to(widget, animate=False)

    def _tell(self, problem: str) -> None:
        # what stops the message is told without sight too (EN 301 549 5.1.3.15)
        if self.app.speech_mode:
            self.app.say(problem)

    def edit_text(self) -> None:
        self.wording_notice = ""
        self.ids.scroll.scroll_y = 1  # back up to the text, which the keyboard opens for
        self.ids.text.focus = True

    def reset(self) -> None:
        self.wording_notice = ""
        for field in ("text", "name", "contact"):
            self.ids[field].text = ""
            self.ids[field].focus = False
        self.ids.keyboard.reset()
        for box in ("anonymous", "health_safety", "consent"):
            self.ids[box].active = False
        self.errors = {}


SCREEN = MessageScreen
