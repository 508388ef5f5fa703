"""Ticket printers: every slip becomes one ESC/POS job, delivered with a status check and a timeout.

A job is composed on escpos' `Dummy` (its `.output` is the exact bytes), then written to
the device in one piece. The caller always gets a `PrintResult`, never an exception: the
ticket is already in the database, and the screen shows its number whatever happens.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from escpos.escpos import Escpos
from escpos.printer import Dummy

from devices import layout, status
from devices.render import render_png
from kiosk.catalog import Service
from kiosk.printing import ComplaintReceipt, PrinterState, PrintResult, TicketSlip

log = logging.getLogger(__name__)

StateListener = Callable[[PrintResult], None]


class SlipPrinter:
    """Turns slips into ESC/POS jobs; subclasses say where the bytes go."""

    def __init__(self, *, profile: str = "default", on_state: StateListener | None = None) -> None:
        self.profile = profile
        self.on_state = on_state
        self._last_state: PrinterState | None = None
        self._lock = threading.Lock()

    def compose(self, draw: Callable[[layout.Paper], None], *, language: str) -> bytes:
        dummy = Dummy(profile=self.profile)
        draw(layout.Paper(dummy, language=language))
        return dummy.output

    def print_ticket(self, slip: TicketSlip) -> PrintResult:
        job = self.compose(lambda paper: layout.ticket(paper, slip), language=slip.language)
        return self._run("ticket", job)

    def print_receipt(self, receipt: ComplaintReceipt) -> PrintResult:
        job = self.compose(lambda paper: layout.receipt(paper, receipt), language=receipt.language)
        return self._run("receipt", job)

    def print_service(self, service: Service, language: str) -> PrintResult:
        job = self.compose(
            lambda paper: layout.service_info(paper, service, language), language=language
        )
        return self._run("service", job)

    def status(self) -> PrintResult:
        return self._note(self._status())

    def _run(self, kind: str, data: bytes) -> PrintResult:
        with self._lock:  # one job at a time on one printer
            return self._note(self._deliver(kind, data))

    def _note(self, result: PrintResult) -> PrintResult:
        """Tell the listener when the printer's state changes (paper out, back to normal…)."""
        if result.state != self._last_state:
            self._last_state = result.state
            if self.on_state is not None:
                try:
                    self.on_state(result)
                except Exception:  # recording a fault must not turn into one
                    log.exception("could not record the printer state")
        return result

    def _deliver(self, kind: str, data: bytes) -> PrintResult:
        raise NotImplementedError

    def _status(self) -> PrintResult:
        raise NotImplementedError


class VirtualPrinter(SlipPrinter):
    """The embedded default: keeps each job's exact bytes and renders the paper as a PNG."""

    def __init__(self, out_dir: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.out_dir = out_dir
        self.jobs: list[bytes] = []
        self.pngs: list[Path] = []

    def _deliver(self, kind: str, data: bytes) -> PrintResult:
        self.jobs.append(data)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.out_dir / f"{stamp}-{kind}.png"
        (self.out_dir / f"{stamp}-{kind}.bin").parent.mkdir(parents=True, exist_ok=True)
        (self.out_dir / f"{stamp}-{kind}.bin").write_bytes(data)
        self.pngs.append(render_png(data, path, profile=self.profile))
        return PrintResult(ok=True, state=PrinterState.OK, detail=str(path))

    def _status(self) -> PrintResult:
        return PrintResult(
            ok=True, state=PrinterState.OK, detail=f"virtual printer: {self.out_dir}"
        )


class EscposPrinter(SlipPrinter):
    """A real printer behind an escpos connection (serial, network, USB, file).

    `connect()` opens a fresh connection per job, so a printer unplugged and plugged back
    in works again on the next ticket. Status is read where the link answers (serial,
    network); a job that does not finish within `timeout` counts as no answer.
    """

    def __init__(
        self,
        connect: Callable[[], Escpos],
        *,
        timeout: float,
        reads_status: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connect = connect
        self.timeout = timeout
        self.reads_status = reads_status
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="escpos")

    def _with_timeout(self, work: Callable[[], PrintResult]) -> PrintResult:
        future = self._worker.submit(work)
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            return PrintResult(
                ok=False,
                state=PrinterState.NO_ANSWER,
                detail=f"no answer within {self.timeout:g} s",
            )

    def _session(self, data: bytes | None) -> PrintResult:
        device = None
        try:
            device = self.connect()
            state = status.read_state(device) if self.reads_status else PrinterState.OK
            if data is None or state not in status.PRINTABLE:
                return PrintResult(ok=state in status.PRINTABLE, state=state)
            device._raw(data)
            flush = getattr(device.device, "flush", None)
            if flush is not None:
                flush()
            return PrintResult(ok=True, state=state)
        except Exception as exc:  # escpos and pyserial raise many kinds; all mean "not printed"
            log.warning("printer: %s", exc)
            return PrintResult(ok=False, state=PrinterState.OFFLINE, detail=str(exc)[:200])
        finally:
            if device is not None:
                try:
                    device.close()
                except Exception:
                    log.debug("printer: closing failed", exc_info=True)

    def _deliver(self, kind: str, data: bytes) -> PrintResult:
        return self._with_timeout(lambda: self._session(data))

    def _status(self) -> PrintResult:
        return self._with_timeout(lambda: self._session(None))
