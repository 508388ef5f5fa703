"""One service: what to bring, what it costs and how long it takes, where, and its e-service."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.service_text import service_sections
from screens.base import KioskScreen
from screens.issuing import take_ticket
from screens.qr import qr_texture


class ServiceScreen(KioskScreen):
    title = StringProperty("")
    print_text = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    eservice_url = StringProperty("")
    can_issue = BooleanProperty(True)

    def refresh(self) -> None:
        app, lang = self.app, self.app.language
        self.can_issue = app.queue.open_state().can_issue
        service = app.current_service
        body = self.ids.body
        body.clear_widgets()
        self.print_text = ""
        if service is None:
            return
        self.title = service.name.get(lang)
        self.eservice_url = service.eservice_url or ""
        self.qr = qr_texture(service.eservice_url) if service.eservice_url else None

        body.add_widget(Factory.Heading(text=self.title))
        for section in service_sections(service, lang):
            body.add_widget(Factory.SectionHeading(text=section.heading))
            body.add_widget(Factory.Body(text=section.text))
        self.ids.scroll.scroll_y = 1

    def take_ticket(self) -> None:
        app = self.app
        service = app.current_service
        category = app.queue.category_for(counter_group=service.counter_group)
        if category is None:
            app.go_to("categories")
            return
        take_ticket(app, category=category, service=service)

    def print_information(self) -> None:
        self.print_text = self.app.tr("Printing…")
        self.app.print_service(self.app.current_service, self._printed)

    def _printed(self, result: Any) -> None:
        self.print_text = (
            self.app.tr("Printed: take the page from the printer below.")
            if result.ok
            else self.app.tr("Sorry, the information could not be printed.")
        )


SCREEN = ServiceScreen
