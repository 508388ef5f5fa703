"""Put the app in a typical state for each screen: what `kiosk screenshots` photographs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.messages import Draft, Kind
from kiosk.printing import PrinterState, PrintResult

SAMPLE_SEARCH = "udostoverenie"


def _sample_service(app: Any) -> Any:
    app.refresh_catalog()
    with_link = [s for s in app.services if s.eservice_url and s.documents]
    return next(
        (s for s in with_link if s.iisda == 2016), with_link[0] if with_link else app.services[0]
    )


def show(app: Any, name: str, *, language: str) -> None:
    app.on_idle()  # a clean slate, as a new visitor finds it
    app.language = language
    clock = app.queue.clock
    if name == "closed":
        evening = clock() + dt.timedelta(hours=10)
        app.queue.clock = lambda: evening
    if name in ("service", "ticket"):
        app.current_service = _sample_service(app)
    if name == "ticket":
        app.current_ticket = app.queue.issue(
            category=app.queue.category_for(counter_group=app.current_service.counter_group),
            service_id=app.current_service.id,
            language=language,
        )
        app.print_result = PrintResult(ok=True, state=PrinterState.OK)
    if name == "message":
        app.message_kind = "complaint"
    if name == "thanks":
        app.registration = app.messages.submit(
            Draft(
                kind=Kind.COMPLAINT,
                text="Sample complaint for the screenshot.",
                name="Иван Петров",
                contact="0888 123 456",
                consent=True,
                language=language,
            )
        )
    app.go_to(name)
    if name == "services":
        screen = app.current_screen
        screen.start_typing()
        screen.ids.search.text = SAMPLE_SEARCH
    app.queue.clock = clock
