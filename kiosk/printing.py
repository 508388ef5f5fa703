"""What the domain asks of a ticket printer; `devices/` implements it.

The domain builds slips (plain data, already in the visitor's language) and hands them
to a `TicketPrinter`. A printer never raises to its caller: whatever happens, it answers
with a `PrintResult` that the screen can show, and the ticket already exists by then.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kiosk.catalog import Service
from kiosk.config import Config
from kiosk.labels import REVIEW, label, review_note_text
from kiosk.ticket_links import live_url
from kiosk.vocabulary import MessageKind, PrinterState

if TYPE_CHECKING:
    from kiosk.check_in import CheckedIn
    from kiosk.messages import Registration
    from kiosk.queue import IssuedTicket, Queue


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    state: PrinterState
    detail: str = ""


@dataclass(frozen=True)
class TicketSlip:
    language: str
    site_name: str
    unit_name: str
    address: str
    label: str
    category_name: str
    service_name: str | None
    issued_at: dt.datetime  # local time
    people_ahead: int
    estimated_wait_minutes: int
    counters: tuple[int, ...]
    qr_url: str
    wait_range: tuple[int, int] | None = None  # said as a range when the estimate is unsure
    ticket_uuid: uuid.UUID | None = None  # lets a printer fault be tied to its ticket
    live: bool = False  # the QR opens the live ticket, not the feedback form
    #: a booked visitor's slot (local time): the ticket is called then, not in turn
    appointment_at: dt.datetime | None = None
    #: the visitor came after the check-in window: the slot is printed, the ticket waits in turn
    appointment_missed: bool = False


@dataclass(frozen=True)
class ComplaintReceipt:
    language: str
    site_name: str
    reg_number: str
    kind: MessageKind
    registered_at: dt.datetime  # local time
    due_date: dt.date | None
    review_status: str
    review_note: str | None
    check_code: str | None = None  # printed with the number: both show the state at the kiosk


class TicketPrinter(Protocol):
    def print_ticket(self, slip: TicketSlip) -> PrintResult: ...

    def print_receipt(self, receipt: ComplaintReceipt) -> PrintResult: ...

    def print_service(self, service: Service, language: str) -> PrintResult: ...

    def status(self) -> PrintResult: ...


def ticket_slip(
    *,
    issued: IssuedTicket,
    config: Config,
    service: Service | None,
    language: str,
    check_in: CheckedIn | None = None,
) -> TicketSlip:
    """The slip for a just-issued ticket, in the visitor's language; a booked visitor's
    (`check_in`) says the appointment's time."""
    return TicketSlip(
        language=language,
        site_name=config.site.name.get(language),
        unit_name=config.site.unit.get(language),
        address=config.site.address.get(language),
        label=issued.label,
        category_name=issued.category_name.get(language),
        service_name=service.name.get(language) if service else None,
        issued_at=issued.issued_at.astimezone(config.tz),
        people_ahead=issued.people_ahead,
        estimated_wait_minutes=issued.estimated_wait_minutes,
        counters=issued.counters,
        qr_url=live_url(config.public.base_url, issued.live_token)
        if issued.live_token
        else config.site.feedback_url,
        live=issued.live_token is not None,
        ticket_uuid=issued.uuid,
        wait_range=issued.wait_range,
        appointment_at=check_in.starts_at.astimezone(config.tz) if check_in else None,
        appointment_missed=check_in is not None and check_in.late,
    )


def complaint_receipt(
    *, registration: Registration, config: Config, language: str
) -> ComplaintReceipt:
    """The receipt for a registered message: its number, due date and review status."""
    note = registration.review_note
    return ComplaintReceipt(
        language=language,
        site_name=config.site.name.get(language),
        reg_number=registration.reg_number,
        kind=registration.kind,
        registered_at=registration.registered_at.astimezone(config.tz),
        due_date=registration.due_date,
        review_status=label(REVIEW, registration.review_status, language),
        review_note=review_note_text(note, language) if note else None,
        check_code=registration.check_code,
    )


NO_PRINTER = PrintResult(ok=False, state=PrinterState.OFFLINE, detail="no printer configured")


def print_issued_ticket(
    *, queue: Queue, printer: TicketPrinter | None, slip: TicketSlip
) -> PrintResult:
    """Print a ticket that is already in the database, and note on it whether paper came out.

    Nothing is retried later: a stale ticket printed minutes after the visitor left would
    only confuse the next one.
    """
    result = printer.print_ticket(slip) if printer is not None else NO_PRINTER
    assert slip.ticket_uuid is not None, "the slip of an issued ticket"
    queue.record_print(
        ticket_uuid=slip.ticket_uuid, ok=result.ok, detail=result.detail or result.state
    )
    return result
