"""The printer's real-time status (DLE EOT n), read before each job where the link answers.

ESC/POS answers each query with one byte whose bits 1 and 4 are always set; the other
bits say offline (n=1), cover open or stopped for paper (n=2), paper near end or out (n=4).
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.printing import PrinterState

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, PAPER = 1, 2, 4

OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
PAPER_STOP_BIT = 0x20
PAPER_NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def read_state(ask: Callable[[int], int | None]) -> PrinterState:
    """Ask the printer about itself; `ask(n)` sends DLE EOT n and returns the answer byte or None."""
    printer = ask(PRINTER)
    if printer is None:
        return PrinterState.NO_ANSWER
    if printer & OFFLINE_BIT:
        cause = ask(OFFLINE_CAUSE) or 0
        if cause & COVER_OPEN_BIT:
            return PrinterState.COVER_OPEN
        if cause & PAPER_STOP_BIT:
            return PrinterState.PAPER_OUT
        return PrinterState.OFFLINE
    paper = ask(PAPER)
    if paper is None:
        return PrinterState.NO_ANSWER
    if paper & PAPER_END_BITS == PAPER_END_BITS:
        return PrinterState.PAPER_OUT
    if paper & PAPER_NEAR_END_BITS:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.OK


# Bits 1 and 4 are always set and bits 0 and 7 always clear in a real answer.
FIXED_MASK, FIXED_BITS = 0x93, 0x12


def answer_byte(data: bytes) -> int | None:
    """The status byte, or None when nothing came or what came is not a status answer."""
    if not data or data[0] & FIXED_MASK != FIXED_BITS:
        return None
    return data[0]


#: States in which a job is still sent to the printer.
PRINTABLE = (PrinterState.OK, PrinterState.PAPER_NEAR_END)
