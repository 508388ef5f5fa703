"""Taking a ticket, from whichever screen the visitor chose it on: issue, show, print.

A ticket the database did not store is never shown: a full or read-only disk sends the
visitor to the closed screen, which says that no ticket can be issued and to ask at a counter.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.catalog import Service
from kiosk.check_in import CheckedIn
from kiosk.db import StorageFailed
from kiosk.queue import IssuedTicket, QueueError

log = logging.getLogger(__name__)


def take_ticket(app: Any, *, category: str, service: Service | None) -> None:
    """Issue a ticket, show it and send it to the printer; closed hours go to the closed screen."""
    app.storage_failed = False
    try:
        ticket = app.queue.issue(
            category=category,
            service_id=service.id if service else None,
            language=app.language,
        )
    except QueueError:  # closed hours, or the day's numbers used up: the closed screen says which
        app.go_to("closed")
        return
    except StorageFailed:  # staff see the disk's alert in the web
        log.exception("no ticket issued: the database cannot be written")
        app.storage_failed = True
        app.go_to("closed")
        return
    show_ticket(app, ticket, service)


def show_ticket(
    app: Any, ticket: IssuedTicket, service: Service | None, check_in: CheckedIn | None = None
) -> None:
    """The issued ticket on the ticket screen, and to the printer; a booked visitor's with
    the appointment (`check_in`)."""
    app.current_ticket = ticket
    app.current_service = service
    app.current_check_in = check_in
    app.go_to("ticket")
    app.print_ticket(ticket, service, check_in=check_in)
