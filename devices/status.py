"""The printer's real-time status (DLE EOT n), read before each job where the link answers.

python-escpos sends the queries and reads the two answers it knows: `is_online()` (n=1)
and `paper_status()` (n=4). What it lacks is here: telling an answer from silence or
line noise (escpos takes an empty answer for "offline" and "plenty of paper", and any
byte for a status), and why a printer is offline (n=2: cover open, stopped for paper),
a query escpos has no constant for.
"""

from __future__ import annotations

from escpos.constants import RT_STATUS
from escpos.escpos import Escpos

from kiosk.printing import PrinterState

OFFLINE_CAUSE = RT_STATUS + b"\x02"
COVER_OPEN_BIT = 0x04
PAPER_STOP_BIT = 0x20

# Bits 1 and 4 are always set and bits 0 and 7 always clear in a real answer.
FIXED_MASK, FIXED_BITS = 0x93, 0x12


class NoAnswer(Exception):
    """The printer said nothing, or what came is not a status answer."""


class CheckedAnswers(Escpos):
    """Mixed into an escpos connection: a status query that has no real answer raises NoAnswer."""

    def query_status(self, mode: bytes) -> bytes:
        answer = super().query_status(mode)
        if not answer or answer[0] & FIXED_MASK != FIXED_BITS:
            raise NoAnswer(f"{mode!r} answered {answer!r}")
        return answer


PAPER_STATES = {
    0: PrinterState.PAPER_OUT,
    1: PrinterState.PAPER_NEAR_END,
    2: PrinterState.OK,
}


def read_state(printer: CheckedAnswers) -> PrinterState:
    """Ask the printer about itself: online, then the paper, or why it is offline."""
    try:
        if not printer.is_online():
            return _offline_cause(printer)
        return PAPER_STATES[printer.paper_status()]
    except NoAnswer:
        return PrinterState.NO_ANSWER


def _offline_cause(printer: CheckedAnswers) -> PrinterState:
    try:
        cause = printer.query_status(OFFLINE_CAUSE)[0]
    except NoAnswer:  # it did answer that it is offline
        return PrinterState.OFFLINE
    if cause & COVER_OPEN_BIT:
        return PrinterState.COVER_OPEN
    if cause & PAPER_STOP_BIT:
        return PrinterState.PAPER_OUT
    return PrinterState.OFFLINE


#: States in which a job is still sent to the printer.
PRINTABLE = (PrinterState.OK, PrinterState.PAPER_NEAR_END)
