"""Taking a ticket, from whichever screen the visitor chose it on: issue, show, print."""

from __future__ import annotations

from typing import Any

from kiosk.catalog import Service
from kiosk.queue import QueueError


def take_ticket(app: Any, *, category: str, service: Service | None) -> None:
    """Issue a ticket, show it and send it to the printer; closed hours go to the closed screen."""
    try:
        ticket = app.queue.issue(
            category=category,
            service_id=service.id if service else None,
            language=app.language,
        )
    except QueueError:  # closed hours, or the day's numbers used up: the closed screen says which
        app.go_to("closed")
        return
    app.current_ticket = ticket
    app.current_service = service
    app.go_to("ticket")
    app.print_ticket(ticket, service)
