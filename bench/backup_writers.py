"""Ticket issue latency with and without `kiosk backup` running, in the same run.

A SQLite site database with a backlog of records (tests.sync_data.add_records); W processes
issue tickets in a tight loop, each with its own engine as `kiosk queue issue` would
(tests.sync_issuer). Two phases, in turn, per round: the issuers alone for S seconds (the
baseline), then the issuers while backups run one after another for S seconds. Prints issue
p50/p99/max per phase and the p99 ratio with/without the backup, and the copy's time alone
(before the rounds) and with the writers, with the restarts the writers caused.

    .venv/bin/python bench/backup_writers.py [--n 100000] [--writers 2] [--seconds 6]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.backup import BackupResult, take_backup
from kiosk.config import Config, parse_config
from tests.support import upgraded
from tests.sync_data import add_records
from tests.sync_issuer import Issued, while_issuing

SITE = "bench-site"
T = TypeVar("T")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def line(label: str, issued: Issued) -> str:
    lat = issued.latencies_ms
    return (
        f"  {label:<26} {len(lat):6,} tickets  p50 {percentile(lat, 50):6.1f} ms  "
        f"p99 {percentile(lat, 99):6.1f} ms  max {max(lat, default=0):7.1f} ms  "
        f"failed {len(issued.failures)}"
    )


def backups_for(config: Config, seconds: float) -> list[BackupResult]:
    done, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        done.append(take_backup(config))
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records in the backlog")
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="backup-writers-"))
    config = parse_config(
        {"site": {"id": SITE}, "paths": {"data_dir": str(work)}}, base_dir=work, source="bench"
    )
    db = upgraded(config.database_url, config)
    made, rng = 0, random.Random(1)
    while made < args.n:
        made += add_records(db, site_id=SITE, visits=5000, rng=rng)
    alone = take_backup(config)
    print(
        f"backlog {made:,} records, database {alone.size / 2**20:.1f} MB; copy alone "
        f"{alone.duration_s:.2f} s; {args.writers} writers issuing tickets in a tight loop"
    )
    ratios, failures = [], 0
    for round_ in range(1, args.rounds + 1):
        print(f"round {round_}")
        phases: dict[str, Issued] = {}
        phases["issue, no backup"], _ = while_issuing(
            db,
            site_id=SITE,
            data_dir=work,
            writers=args.writers,
            during=lambda: time.sleep(args.seconds),
        )
        phases["issue, during backups"], copies = while_issuing(
            db,
            site_id=SITE,
            data_dir=work,
            writers=args.writers,
            during=lambda: backups_for(config, args.seconds),
        )
        for name, issued in phases.items():
            print(line(name, issued))
        ratio = percentile(phases["issue, during backups"].latencies_ms, 99) / percentile(
            phases["issue, no backup"].latencies_ms, 99
        )
        took = statistics.median(c.duration_s for c in copies)
        print(
            f"  p99 with/without the backup {ratio:.2f}×; {len(copies)} copies, median "
            f"{took:.2f} s ({took / alone.duration_s:.2f}× alone), restarts "
            f"{[c.restarts for c in copies]}, writers' turn held "
            f"{[round(c.writers_held_s * 1000, 1) for c in copies]} ms, "
            f"integrity {sorted({c.integrity for c in copies})}"
        )
        ratios.append(ratio)
        failures += len(phases["issue, during backups"].failures)
    print(
        f"median over {args.rounds} rounds: issue p99 {statistics.median(ratios):.2f}× with the "
        f"backup; tickets failed: {failures}"
    )
    db.dispose()


if __name__ == "__main__":
    main()
