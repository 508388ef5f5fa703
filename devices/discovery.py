"""Where a ticket printer may be connected, and whether one answers there.

Three kinds of place: serial ports (pyserial's list, and any device or URL named on the
command line, since ptys and USB-serial adapters without a driver's name are not always
listed), USB printer-class devices (pyusb where it is installed, else the kernel's view in
/sys/bus/usb/devices), and a network address on port 9100. Each candidate is asked its
status (devices/status.py) to tell a printer that answers from a port where nothing does.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devices import status
from devices.links import AnsweringNetwork, UrlSerial
from kiosk.errors import KioskError
from kiosk.printing import PrinterState

log = logging.getLogger(__name__)

SYSFS_USB = Path("/sys/bus/usb/devices")
USB_PRINTER_CLASS = 0x07
#: Speeds tried, in this order, on a serial port that does not answer at the first.
BAUDRATES = (9600, 19200, 38400, 115200)
PROBE_TIMEOUT = 0.5

#: USB vendor ids of the makers a municipality buys from, and the profile to start with.
VENDORS: dict[int, tuple[str, str]] = {
    0x04B8: ("Epson", "TM-T20II"),
    0x0416: ("Winbond (Xprinter and other Chinese printers)", "XP-80"),
    0x1D90: ("Citizen", "CT-S310"),
    0x0519: ("Star Micronics", "TSP600"),
    0x1A86: ("QinHeng CH340 (a USB-serial adapter)", ""),
    0x067B: ("Prolific PL2303 (a USB-serial adapter)", ""),
    0x0403: ("FTDI (a USB-serial adapter)", ""),
}


class NoPrinterFound(KioskError):
    """No serial port, USB printer or network address to try, or none of them answered."""

    code = "printer_not_found"
    status = 404


@dataclass
class Candidate:
    """A place a printer may be: its config values, what the system says it is, what it said."""

    connection: str  # serial | usb | file | network
    address: str  # the device, URL or host
    description: str = ""
    vendor_id: int | None = None
    product_id: int | None = None
    port: int = 9100
    baudrate: int = 9600
    state: PrinterState | None = None  # None: not asked (a link that cannot answer)
    notes: list[str] = field(default_factory=list)

    @property
    def answers(self) -> bool:
        return self.state not in (None, PrinterState.NO_ANSWER, PrinterState.OFFLINE)

    @property
    def ids(self) -> str:
        if self.vendor_id is None or self.product_id is None:
            return ""
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    @property
    def maker(self) -> str:
        return VENDORS.get(self.vendor_id or -1, ("", ""))[0]

    @property
    def suggested_profile(self) -> str:
        return VENDORS.get(self.vendor_id or -1, ("", ""))[1]


def serial_ports() -> list[Candidate]:
    """The serial ports pyserial lists, USB-serial adapters with their ids."""
    from serial.tools import list_ports

    return [
        Candidate(
            "serial",
            port.device,
            description="" if port.description in ("n/a", port.device) else port.description,
            vendor_id=port.vid,
            product_id=port.pid,
        )
        for port in list_ports.comports()
    ]


def usb_printers(sysfs: Path = SYSFS_USB) -> list[Candidate]:
    """USB printer-class devices: by pyusb when it is installed, else read from sysfs."""
    try:
        import usb.core  # optional: the kiosk starts without pyusb
    except ImportError:
        return _sysfs_printers(sysfs)
    found = []
    for device in usb.core.find(find_all=True, custom_match=_is_printer) or ():
        found.append(
            Candidate(
                "usb",
                f"usb {device.idVendor:04x}:{device.idProduct:04x}",
                description=_usb_string(device, "product"),
                vendor_id=device.idVendor,
                product_id=device.idProduct,
            )
        )
    return found or _sysfs_printers(sysfs)


def _is_printer(device: object) -> bool:
    try:
        return any(
            interface.bInterfaceClass == USB_PRINTER_CLASS
            for configuration in device  # type: ignore[attr-defined]
            for interface in configuration
        )
    except Exception:  # a device that cannot be read (permissions) is not one we can use
        return False


def _usb_string(device: object, name: str) -> str:
    try:
        return str(getattr(device, name) or "")
    except Exception:  # reading strings needs access to the device
        return ""


def _sysfs_printers(sysfs: Path) -> list[Candidate]:
    """Printer-class interfaces the kernel lists; the usblp node (/dev/usb/lpN) where bound."""
    found = []
    for interface in sorted(sysfs.glob("*:*")):
        try:
            if int((interface / "bInterfaceClass").read_text(), 16) != USB_PRINTER_CLASS:
                continue
        except (OSError, ValueError):
            continue
        device = interface.parent if (interface.parent / "idVendor").exists() else None
        if device is None:
            device = sysfs / interface.name.split(":")[0]
        vendor, product = (_hex(device / "idVendor"), _hex(device / "idProduct"))
        nodes = sorted((interface / "usbmisc").glob("lp*"))
        name = " ".join(
            part for part in (_text(device / "manufacturer"), _text(device / "product")) if part
        )
        if nodes:
            found.append(Candidate("file", f"/dev/usb/{nodes[0].name}", name, vendor, product))
        else:
            found.append(
                Candidate("usb", f"usb {vendor or 0:04x}:{product or 0:04x}", name, vendor, product)
            )
    return found


def _hex(path: Path) -> int | None:
    try:
        return int(path.read_text(), 16)
    except (OSError, ValueError):
        return None


def _text(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def network_printer(host: str, port: int = 9100) -> Candidate:
    """A printer on the network: reachable on its raw port, then asked its status."""
    candidate = Candidate("network", host, port=port)
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT * 4).close()
    except OSError as exc:
        candidate.state = PrinterState.NO_ANSWER
        candidate.notes.append(f"nothing accepts a connection on {host}:{port} ({exc})")
    return candidate


def probe(candidate: Candidate, *, baudrates: Iterable[int] = BAUDRATES) -> Candidate:
    """Ask the candidate's status; on a serial port at each speed until one answers."""
    if candidate.connection == "serial":
        for baudrate in baudrates:
            candidate.state, candidate.baudrate = (
                _serial_state(candidate.address, baudrate),
                baudrate,
            )
            if candidate.answers:
                break
        else:
            candidate.baudrate = next(iter(baudrates), 9600)
    elif candidate.connection == "network" and candidate.state is None:
        printer = AnsweringNetwork(candidate.address, candidate.port, timeout=PROBE_TIMEOUT)
        candidate.state = _state(printer)
    return candidate


def _serial_state(url: str, baudrate: int) -> PrinterState:
    printer = UrlSerial(devfile=url, baudrate=baudrate, timeout=PROBE_TIMEOUT, write_timeout=2.0)
    return _state(printer)


def _state(printer: UrlSerial | AnsweringNetwork) -> PrinterState:
    try:
        printer.open()
        return status.read_state(printer)
    except Exception as exc:  # escpos, pyserial and sockets raise many kinds: all "no answer"
        log.info("printer probe: %s", exc)
        return PrinterState.OFFLINE
    finally:
        try:
            printer.close()
        except Exception:
            log.debug("printer probe: closing failed", exc_info=True)


def discover(
    *,
    ports: Iterable[str] = (),
    host: str | None = None,
    listed_ports: bool = True,
    sysfs: Path = SYSFS_USB,
    baudrates: Iterable[int] = BAUDRATES,
) -> list[Candidate]:
    """Every place to try, each asked its status: the named ports, the listed ones, USB, `host`."""
    candidates = [Candidate("serial", url) for url in ports]
    if listed_ports:
        named = set(ports)
        candidates += [c for c in serial_ports() if c.address not in named]
    candidates += usb_printers(sysfs)
    if host:
        candidates.append(network_printer(host))
    if not candidates:
        raise NoPrinterFound("no serial port, USB printer or --host to try")
    return [probe(c, baudrates=baudrates) for c in candidates]
