"""Tickets issued in a tight loop by a process of its own, as `kiosk queue issue` would
(tests/test_sync_contention.py and bench/sync_contention.py run it beside a push)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import TypeVar

from kiosk.config import parse_config
from kiosk.db import Database
from kiosk.hours import WorkingHours
from kiosk.queue import Queue, QueueFull
from tests.support import SOFIA, Clock

#: a Wednesday morning after the days tests/sync_data.py fills, whose numbers it takes
AFTER_THE_RECORDS = dt.datetime(2027, 3, 10, 10, 0, tzinfo=SOFIA)
#: a category's numbers run out at 999 a day: with up to four issuers, each moves its clock on a
#: day before that
PER_DAY = 240


@dataclass
class Issued:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def issue_loop(
    url: str, site_id: str, data_dir: str, stop: Event, ready: Event, out: multiprocessing.Queue
) -> None:
    """Issue tickets until `stop` is set, `ready` once the first is issued; put the latencies
    and the failures on `out`."""
    config = parse_config(
        {"site": {"id": site_id}, "paths": {"data_dir": data_dir}},
        base_dir=Path(data_dir),
        source="issuer",
    )
    db = Database(url, busy_timeout_ms=config.database.busy_timeout_ms)
    clock = Clock(AFTER_THE_RECORDS)
    hours = WorkingHours.from_config(config)
    queue = Queue(db, config, clock=clock)
    result = Issued()
    issued = 0

    def next_day() -> None:
        clock.advance(days=1)
        while not hours.state(clock()).can_issue:
            clock.advance(days=1)

    while not stop.is_set():
        if issued and issued % PER_DAY == 0:
            next_day()
        started = time.perf_counter()
        try:
            queue.issue(category="А")
        except QueueFull:  # an earlier loop on this database used the day's numbers
            next_day()
            continue
        except Exception as exc:  # every other failure is what the test counts
            result.failures.append(f"{type(exc).__name__}: {exc}")
        else:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
        ready.set()
        issued += 1
    db.dispose()
    out.put(result)


class Issuer:
    """The loop in a spawned process (its own interpreter, engine and SQLite connection)."""

    def __init__(self, db: Database, *, site_id: str, data_dir: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        #: set once the loop has issued (or failed) its first ticket: a spawned interpreter
        #: takes seconds to import on a loaded machine
        self.ready = ctx.Event()
        self.out: multiprocessing.Queue = ctx.Queue()
        self.process = ctx.Process(
            target=issue_loop,
            args=(db.url, site_id, str(data_dir), self.stop, self.ready, self.out),
        )

    def __enter__(self) -> Issuer:
        self.process.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.is_alive():
            self.stop.set()
            self.process.join(timeout=60)

    def result(self) -> Issued:
        self.stop.set()
        result = self.out.get(timeout=60)
        self.process.join(timeout=60)
        return result


T = TypeVar("T")


def while_issuing(
    db: Database, *, site_id: str, data_dir: Path, writers: int, during: Callable[[], T]
) -> tuple[Issued, T]:
    """Run `during()` while `writers` processes issue tickets, each in its loop before it
    starts; their results merged, and what `during()` returned."""
    running = [Issuer(db, site_id=site_id, data_dir=data_dir) for _ in range(writers)]
    for issuer in running:
        issuer.__enter__()
    for issuer in running:
        issuer.ready.wait(timeout=120)
    value = during()
    merged = Issued()
    for issuer in running:
        got = issuer.result()
        merged.latencies_ms += got.latencies_ms
        merged.failures += got.failures
    return merged, value
