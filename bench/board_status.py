"""How long `Queue.status()` takes on a busy day: today's against that of f681682.

The board and every counter panel read the whole status after each call. A site with 12
categories and 12 counters (each counter serving its own category and Г), a few past days
of served tickets, and today's morning (tickets served, called and waiting) is built on a
SQLite file through the domain with a hand-moved clock. Then the status, with and without
the counters, is read by the Queue of f681682 (the baseline, its queue and wait estimate
loaded from git) and by today's, interleaved, in the same run; both must give the same
answer but for the waits, which an estimator's change may move (bench/wait_estimate.py
measures those). Printed: median milliseconds and statements per read, and the ratio.
The baseline moves on when today's Queue no longer fits beside it (8167c20's took a dict).

    python bench/board_status.py [--days 3] [--tickets 240] [--runs 15]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers

from _at_commit import module_at
from sqlalchemy import event

from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.queue import Arrival, Queue
from tests.support import SOFIA, Clock, make_config, upgraded

BASELINE_COMMIT = "f681682"
NEW_CATEGORIES = "ДЕЖЗИКЛ"  # with the seeded А Б В Г П: 12
NEW_COUNTERS = range(5, 13)  # with the seeded 1–4: 12


def _load_baseline() -> type:
    """The baseline's Queue, with the wait estimate of its own commit."""
    waits = module_at(BASELINE_COMMIT, "kiosk/waits.py", "waits_baseline")
    queue = module_at(BASELINE_COMMIT, "kiosk/queue.py", "queue_baseline")
    queue.waits = waits
    return queue.Queue


def build_site(tmp: Path, *, days: int, tickets: int, seed: int) -> tuple[Database, Config, Clock]:
    config = make_config(tmp)
    db = upgraded(f"sqlite:///{tmp / 'site.sqlite'}", config)
    day = dt.date(2026, 11, 16)  # a Monday; the clock starts `days` working days before today
    clock = Clock(dt.datetime.combine(day, dt.time(8, 30), tzinfo=SOFIA))
    counters = Counters(db, config, clock=clock)
    for code in NEW_CATEGORIES:
        counters.save_category(actor="bench", code=code, name_bg=code, name_en=code, create=True)
    for i, number in enumerate(NEW_COUNTERS):
        code = NEW_CATEGORIES[i % len(NEW_CATEGORIES)]
        counters.save_counter(
            actor="bench",
            number=number,
            name_bg=f"Гише {number}",
            name_en=f"Counter {number}",
            categories=[code, "Г"],
            active=True,
            create=True,
        )
    queue = Queue(db, config, clock=clock)
    codes = [c.code for c in queue.status().categories]
    numbers = [c.number for c in queue.status().counters]
    rng = random.Random(seed)
    for d in range(days + 1):
        today = day + dt.timedelta(days=d)
        clock.set(dt.datetime.combine(today, dt.time(8, 30), tzinfo=SOFIA))
        last = d == days
        for i in range(tickets):
            queue.issue(category=rng.choice(codes))
            clock.advance(minutes=rng.uniform(0.5, 1.5))
            # the counters keep up on past days; today they fall behind, so tickets wait
            if i % 2 == 0 or not last or i < tickets // 2:
                queue.call_next(counter=rng.choice(numbers), previous=Arrival.ARRIVED)
    return db, config, clock


def _without_waits(status: object) -> dict:
    data = dataclasses.asdict(status)
    for category in data["categories"]:
        category.pop("estimated_wait_minutes")
        category.pop("wait_range")
    return data


def statements(db: Database, read: Callable[[], object]) -> int:
    """How many SQL statements one `read()` runs."""
    executed = []

    def count(*_: object) -> None:
        executed.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(executed)


def medians(reads: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median milliseconds of each read, the reads taking turns."""
    times: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(runs):
        for name, read in reads.items():
            start = time.perf_counter()
            read()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3, help="past days of served tickets")
    parser.add_argument("--tickets", type=int, default=240, help="tickets a day")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    Baseline = _load_baseline()
    with tempfile.TemporaryDirectory() as tmp:
        db, config, clock = build_site(
            Path(tmp), days=args.days, tickets=args.tickets, seed=args.seed
        )
        current, baseline = Queue(db, config, clock=clock), Baseline(db, config, clock=clock)
        status = current.status()
        assert _without_waits(status) == _without_waits(baseline.status()), "differ"
        waiting = sum(c.waiting for c in status.categories)
        print(
            f"{len(status.categories)} categories, {len(status.counters)} counters, "
            f"{waiting} tickets waiting, {args.days} past days of {args.tickets} tickets"
        )
        for label, counters in (("panel (with counters)", True), ("board (counters=False)", False)):
            reads = {
                "baseline": lambda c=counters: baseline.status(counters=c),
                "now": lambda c=counters: current.status(counters=c),
            }
            ms = medians(reads, args.runs)
            n = {name: statements(db, read) for name, read in reads.items()}
            print(
                f"{label:23}: {BASELINE_COMMIT} {ms['baseline']:8.1f} ms "
                f"({n['baseline']} statements), now {ms['now']:7.1f} ms ({n['now']} statements), "
                f"{ms['baseline'] / ms['now']:5.1f}x faster"
            )
        db.dispose()


if __name__ == "__main__":
    main()
