"""The one place that turns the [printer] config into a printer object."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from escpos.escpos import Escpos
from escpos.printer import File

from devices.links import AnsweringNetwork, UrlSerial
from devices.printer import EscposPrinter, SlipPrinter, StateListener, VirtualPrinter
from kiosk.config import Config
from kiosk.db import Database
from kiosk.printing import PrintResult

STATUS_TIMEOUT = 0.5


def usb_is_usable() -> bool:
    """USB printers need pyusb, an optional extra; the kiosk starts without it."""
    return importlib.util.find_spec("usb") is not None


def serial_connection(config: Config) -> Callable[[], Escpos]:
    """escpos' Serial on the port named by a pyserial URL, so loop:// and socket:// work too."""
    flow = config.printer.flow_control

    def connect() -> Escpos:
        printer = UrlSerial(
            devfile=config.printer.url,
            baudrate=config.printer.baudrate,
            profile=config.printer.profile,
            timeout=STATUS_TIMEOUT,
            write_timeout=config.printer.timeout_s,
            rtscts=flow == "rtscts",
            dsrdtr=flow == "dsrdtr",
            xonxoff=flow == "xonxoff",
        )
        printer.open()
        return printer

    return connect


def connection(config: Config) -> tuple[Callable[[], Escpos], bool]:
    """How to open the configured printer, and whether that link can answer status queries."""
    kind, profile = config.printer.connection, config.printer.profile
    if kind == "serial":
        return serial_connection(config), True
    if kind == "network":
        host, port = config.printer.host, config.printer.port

        def network() -> Escpos:
            printer = AnsweringNetwork(host, port, timeout=STATUS_TIMEOUT, profile=profile)
            printer.open()
            return printer

        return network, True
    if kind == "usb":
        if not usb_is_usable():
            raise RuntimeError("printer.connection = usb needs pyusb: pip install pyusb")
        from escpos.printer import Usb

        vendor, product = config.printer.usb_vendor, config.printer.usb_product
        return (lambda: Usb(vendor, product, profile=profile)), False
    return (lambda: File(config.printer.device, profile=profile)), False


def make_printer(config: Config, db: Database | None = None) -> SlipPrinter:
    """The configured printer; with a database, its state changes are recorded for staff."""
    on_state: StateListener | None = None
    if db is not None:
        from kiosk.health import Health

        health = Health(db, config)

        def on_state(result: PrintResult) -> None:
            health.record_device(
                device="printer", status=result.state, detail=result.detail or None
            )

    profile = config.printer.profile
    if config.printer.connection == "virtual":
        return VirtualPrinter(config.data_dir / "printer", profile=profile, on_state=on_state)
    connect, link_answers = connection(config)
    return EscposPrinter(
        connect,
        timeout=config.printer.timeout_s,
        reads_status=link_answers and config.printer.status_query,
        profile=profile,
        on_state=on_state,
    )
