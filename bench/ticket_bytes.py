"""How many bytes a ticket is, as text with native QR against the same ticket as a raster image.

Prints both sizes, their ratio, and the time each takes on the wire at 9600 and 115200 baud
(8N1: ten bits a byte).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from escpos.printer import Dummy

from devices.printer import VirtualPrinter
from kiosk.printing import TicketSlip

SLIP = TicketSlip(
    language="bg",
    site_name="Община Твърдица",
    unit_name="Център за услуги и информация на гражданите",
    address="пл. „Свобода“ № 1, 8890 Твърдица",
    label="А023",
    category_name="Гражданско състояние (ГРАО)",
    service_name="Издаване на удостоверение за наследници",
    issued_at=dt.datetime(2026, 11, 25, 10, 14),
    people_ahead=4,
    estimated_wait_minutes=12,
    counters=(1, 2),
    qr_url="https://www.tvarditsa.org/",
)


def wire_seconds(size: int, baud: int) -> float:
    return size * 10 / baud


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        printer = VirtualPrinter(Path(tmp))
        result = printer.print_ticket(SLIP)
        text_job = printer.jobs[-1]
        raster = Dummy(profile="default")
        raster.hw("INIT")
        raster.image(result.detail, impl="bitImageRaster")  # the same paper, as pixels
        raster.cut()
        image_job = raster.output
    print(f"ticket as text + native QR : {len(text_job):6d} bytes")
    print(f"same ticket as raster image: {len(image_job):6d} bytes")
    print(f"ratio raster / text        : {len(image_job) / len(text_job):6.1f}x")
    for baud in (9600, 115200):
        print(
            f"at {baud:6d} baud: text {wire_seconds(len(text_job), baud):6.2f} s, "
            f"raster {wire_seconds(len(image_job), baud):6.2f} s"
        )


if __name__ == "__main__":
    main()
