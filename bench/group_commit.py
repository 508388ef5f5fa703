"""Threads of one process committing one-row writes to a SQLite file: the write path of
COMMIT (its kiosk/db.py, loaded beside today's) against today's, taking turns in one run.

Each run: `--threads` threads write in a tight loop for `--seconds`; printed are writes per
second and the p99 of one write's `with`, per run and as ratios of the medians.

    .venv/bin/python bench/group_commit.py --against abee169 [--rounds 3] [--threads 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _at_commit import module_at
from sqlalchemy import text

from kiosk import db as today


def run(database: Any, threads: int, seconds: float) -> tuple[float, float]:
    """Writes per second and the p99 of one write, in seconds."""
    with database.write() as s:
        s.execute(text("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    def work(n: int) -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            with database.write() as s:
                s.execute(text("INSERT INTO marks (who) VALUES (:who)"), {"who": str(n)})
            latencies.append(time.perf_counter() - t0)  # list.append holds under the GIL

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return len(latencies) / elapsed, latencies[int(0.99 * (len(latencies) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="COMMIT", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    classes = {
        args.against: module_at(args.against, "kiosk/db.py", "db_then").Database,
        "now": today.Database,
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in classes}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for who in list(classes) if i % 2 == 0 else list(classes)[::-1]:
                database = classes[who](f"sqlite:///{tmp}/{who}-{i}.sqlite")
                try:
                    rate, p99 = run(database, args.threads, args.seconds)
                finally:
                    database.dispose()
                results[who].append((rate, p99))
                print(f"round {i + 1} {who:>10}: {rate:6.0f} writes/s, p99 {1000 * p99:6.1f} ms")
    rate = {k: statistics.median(r for r, _ in v) for k, v in results.items()}
    p99 = {k: statistics.median(p for _, p in v) for k, v in results.items()}
    print(
        f"medians of {args.rounds}, {args.threads} threads: now {rate['now']:.0f} writes/s, "
        f"p99 {1000 * p99['now']:.1f} ms; {args.against} {rate[args.against]:.0f} writes/s, "
        f"p99 {1000 * p99[args.against]:.1f} ms | now/{args.against}: throughput "
        f"{rate['now'] / rate[args.against]:.2f}x, p99 {p99['now'] / p99[args.against]:.2f}x"
    )


if __name__ == "__main__":
    main()
