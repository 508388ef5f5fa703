"""From "issue a ticket" to the last byte written to a serial port (pyserial loop://).

Each run issues a ticket in a real SQLite site database, builds its slip and writes the
job (loop:// only echoes, so the status query is off), and records the print on the ticket: what a tap on
the kiosk costs. The baseline, measured in the same run, is the bare write of the same
bytes to the same kind of port. Prints median and p95 of both and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import serial

from devices import layout
from devices.factory import make_printer
from kiosk.config import parse_config
from kiosk.db import Database
from kiosk.printing import print_issued_ticket, ticket_slip
from kiosk.queue import Queue, apply_queue_config

ALWAYS_OPEN = {
    "hours": {
        "days": [1, 2, 3, 4, 5, 6, 7],
        "open": "00:00",
        "close": "23:59",
        "stop_issuing_minutes": 0,
    }
}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            {
                **ALWAYS_OPEN,
                "paths": {"data_dir": tmp},
                "printer": {
                    "connection": "serial",
                    "url": "loop://",
                    "baudrate": 9600,
                    "status_query": False,
                },
            },
            base_dir=Path(tmp),
            source="bench",
        )
        db = Database(config.database_url)
        db.upgrade()
        apply_queue_config(db, config)
        queue = Queue(db, config)
        printer = make_printer(config, db)
        job = printer.compose(lambda paper: None, language="bg")  # warm up escpos' profile loading
        tap, bare = [], []
        for i in range(args.runs):
            start = time.perf_counter()
            issued = queue.issue(category="АБВГ"[i % 4])
            slip = ticket_slip(issued=issued, config=config, service=None, language="bg")
            result = print_issued_ticket(queue=queue, printer=printer, slip=slip)
            tap.append(time.perf_counter() - start)
            assert result.ok, result
            job = printer.compose(
                lambda paper, slip=slip: layout.ticket(paper, slip), language="bg"
            )
            start = time.perf_counter()
            port = serial.serial_for_url("loop://", baudrate=9600)
            port.write(job)
            port.flush()
            port.close()
            bare.append(time.perf_counter() - start)
    ms = 1000
    print(f"runs: {args.runs}, ticket job {len(job)} bytes")
    print(
        f"tap to last byte : median {statistics.median(tap) * ms:7.2f} ms, p95 {p95(tap) * ms:7.2f} ms"
    )
    print(
        f"bare port write  : median {statistics.median(bare) * ms:7.2f} ms, p95 {p95(bare) * ms:7.2f} ms"
    )
    print(
        f"ratio (median)   : {statistics.median(tap) / statistics.median(bare):7.1f}x the bare write"
    )


if __name__ == "__main__":
    main()
