"""What the domain asks of a ticket printer; `devices/` implements it.

The domain builds slips (plain data, already in the visitor's language) and hands them
to a `TicketPrinter`. A printer never raises to its caller: whatever happens, it answers
with a `PrintResult` that the screen can show, and the ticket already exists by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.catalog import Service


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"  # prints, but staff should change the roll
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NO_ANSWER = "no_answer"
    ERROR = "error"


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
    label: str
    category_name: str
    service_name: str | None
    issued_at: dt.datetime  # local time
    people_ahead: int
    estimated_wait_minutes: int
    counters: tuple[int, ...]
    qr_url: str


@dataclass(frozen=True)
class ComplaintReceipt:
    language: str
    site_name: str
    reg_number: str
    kind: str
    registered_at: dt.datetime  # local time
    due_date: dt.date | None
    review_status: str
    review_note: str | None


class TicketPrinter(Protocol):
    def print_ticket(self, slip: TicketSlip) -> PrintResult: ...

    def print_receipt(self, receipt: ComplaintReceipt) -> PrintResult: ...

    def print_service(self, service: Service, language: str) -> PrintResult: ...

    def status(self) -> PrintResult: ...
