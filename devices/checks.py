"""The doctor's check of the ticket printer: its state as it answers now, and its code page."""

from __future__ import annotations

from escpos.capabilities import get_profile

from devices.factory import make_printer
from devices.layout import CYRILLIC_PAGES, code_pages
from kiosk.checks import CheckName, Finding, Status
from kiosk.config import Config
from kiosk.printing import PrinterState

#: the printer's state -> (how bad, the finding's code)
STATES = {
    PrinterState.OK: (Status.OK, "printer_ok"),
    PrinterState.PAPER_NEAR_END: (Status.WARNING, "printer_paper_near_end"),
    PrinterState.PAPER_OUT: (Status.FAILURE, "printer_paper_out"),
    PrinterState.COVER_OPEN: (Status.FAILURE, "printer_cover_open"),
    PrinterState.OFFLINE: (Status.FAILURE, "printer_offline"),
    PrinterState.NO_ANSWER: (Status.FAILURE, "printer_no_answer"),
    PrinterState.ERROR: (Status.FAILURE, "printer_offline"),
}


def where(config: Config) -> str:
    """The printer's address as the IT person would look for it."""
    p = config.printer
    return {
        "virtual": str(config.data_dir / "printer"),
        "serial": p.url,
        "network": f"{p.host}:{p.port}",
        "usb": f"USB {p.usb_vendor:04x}:{p.usb_product:04x}",
        "file": p.device,
    }[p.connection]


def printer_check(config: Config) -> list[Finding]:
    """Asks the printer (not recorded as a device event: the kiosk records what it sees)."""
    name, connection, at = CheckName.PRINTER, config.printer.connection, where(config)
    if connection == "virtual":
        return [Finding(name, Status.OK, "printer_virtual", {"where": at})]
    result = make_printer(config).status()
    status, code = STATES[result.state]
    if code == "printer_ok" and (connection in ("usb", "file") or not config.printer.status_query):
        code = "printer_unasked"  # a link that cannot answer: "ok" only says it opened
    params = {"connection": connection, "where": at, "detail": result.detail or result.state}
    return [Finding(name, status, code, params), code_page_check(config)]


def code_page_check(config: Config) -> Finding:
    """The profile's code pages: the ticket layout needs a Cyrillic one."""
    profile = config.printer.profile
    pages = code_pages(frozenset(get_profile(profile).get_code_pages()))
    if not pages or pages[0] not in CYRILLIC_PAGES:
        return Finding(CheckName.PRINTER, Status.FAILURE, "code_page_missing", {"profile": profile})
    shown = " + ".join(pages)
    return Finding(
        CheckName.PRINTER, Status.OK, "code_page_ok", {"profile": profile, "pages": shown}
    )
