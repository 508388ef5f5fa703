"""The real Kivy app in this test process, rendered off-screen, and ways to touch it.

Kivy allows one window per process, so one app serves every screens test module; each
test starts from the idle state (attract screen, Bulgarian) as a new visitor would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from kiosk.catalog import ensure_catalog
from kiosk.config import Config
from kiosk.printing import ComplaintReceipt, PrinterState, PrintResult, TicketSlip
from tests.support import Clock, make_config, upgraded

PIN = "4711"


class SerialSlipPrinter:
    """A TicketPrinter over a real pyserial port: ESC/POS text bytes, paced like the baud rate.

    Stands in for devices/' printer in these tests; what it writes goes through a real
    `loop://` port, so closing that port mid-job is a real fault at the byte stream.
    """

    def __init__(self, url: str = "loop://", baudrate: int = 9600) -> None:
        self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2)
        self.baudrate = baudrate

    def _job(self, lines: list[str]) -> PrintResult:
        try:
            self.port.write(b"\x1b@\x1bt\x11")  # initialise; code page 17 = CP866
            for line in lines:
                chunk = line.encode("cp866", "replace") + b"\n"
                self.port.write(chunk)
                time.sleep(len(chunk) * 10 / self.baudrate)  # what the wire takes
            self.port.write(b"\x1dV\x00")  # cut
            return PrintResult(ok=True, state=PrinterState.OK)
        except serial.SerialException as exc:
            return PrintResult(ok=False, state=PrinterState.OFFLINE, detail=str(exc))

    def print_ticket(self, slip: TicketSlip) -> PrintResult:
        return self._job(
            [
                slip.site_name,
                slip.unit_name,
                slip.label,
                slip.category_name,
                slip.service_name or "",
                slip.issued_at.strftime("%d.%m.%Y %H:%M"),
                f"{slip.people_ahead} / {slip.estimated_wait_minutes} min",
                f"@ {slip.appointment_at:%H:%M}{' missed' * slip.appointment_missed}"
                if slip.appointment_at
                else "",
                slip.qr_url,
            ]
        )

    def print_receipt(self, receipt: ComplaintReceipt) -> PrintResult:
        return self._job([receipt.site_name, receipt.reg_number, str(receipt.due_date)])

    def print_service(self, service: Any, language: str) -> PrintResult:
        return self._job([service.name.get(language), *service.document_list(language)])

    def status(self) -> PrintResult:
        if self.port.is_open:
            return PrintResult(ok=True, state=PrinterState.OK)
        return PrintResult(ok=False, state=PrinterState.OFFLINE, detail="port closed")

    def received(self) -> bytes:
        """What reached the other end of the loop so far."""
        return self.port.read(self.port.in_waiting) if self.port.is_open else b""

    def close_after(self, n_bytes: int) -> threading.Thread:
        """Pull the cable once `n_bytes` of the next job are on the wire."""

        def watch() -> None:
            seen = 0
            deadline = time.monotonic() + 10
            while seen < n_bytes and time.monotonic() < deadline:
                seen += len(self.port.read(self.port.in_waiting or 1))
            self.port.close()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        return thread


@pytest.fixture(scope="session")
def kiosk_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import os

    from screens import kivy_env

    tmp = tmp_path_factory.mktemp("kiosk-app")
    os.environ["KIOSK_TEST_PIN"] = PIN
    config: Config = make_config(tmp, ui__admin_pin="env:KIOSK_TEST_PIN")
    kivy_env.prepare(kivy_home=tmp / "kivy", headless=True)
    kivy_env.configure(size=(1080, 1920), fullscreen=False)
    from screens import headless
    from screens.app import KioskApp

    db = upgraded(f"sqlite:///{tmp / 'site.sqlite'}", config)
    ensure_catalog(db)
    clock = Clock()
    printer = SerialSlipPrinter()
    app = KioskApp(kiosk_config=config, db=db, clock=clock, printer=printer)
    app.test_clock = clock
    headless.start(app)
    yield app
    headless.stop(app)
    db.dispose()


@pytest.fixture
def app(kiosk_app: Any) -> Iterator[Any]:
    """The app as a new visitor finds it, with a working printer."""
    from screens import headless

    kiosk_app.printer = SerialSlipPrinter()
    kiosk_app.idle_timeout = float(kiosk_app.kiosk_config.ui.idle_timeout_s)
    kiosk_app.idle_warning_s = float(kiosk_app.kiosk_config.ui.idle_warning_s)
    kiosk_app.on_idle()
    headless.resize(1080, 1920)
    yield kiosk_app
    kiosk_app.on_idle()
