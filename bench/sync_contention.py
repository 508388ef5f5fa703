"""Ticket issue latency with and without a concurrent push, in the same run.

A SQLite site database with a large backlog (tests.sync_data.add_records); W processes
issue tickets in a tight loop, each with its own engine as `kiosk queue issue` would
(tests.sync_issuer). Three phases, in turn, twice: the issuers alone for S seconds (the
baseline), the push alone (its baseline), then the issuers through the push of the same
backlog into a fresh central database. Prints issue p50/p99 and failures per phase, the
p99 ratio with/without the sync, and the push's time with/without the issuers.

    .venv/bin/python bench/sync_contention.py [--n 150000] [--writers 3] [--seconds 8]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

import pgserver
from sqlalchemy import create_engine

from kiosk.config import parse_config
from kiosk.db import Database
from sync.central import CentralTarget
from sync.job import run_sync
from sync.schema import init_central
from sync.sites import add_site
from tests.support import fresh_pg_url, upgraded
from tests.sync_data import add_records
from tests.sync_issuer import Issued, while_issuing

SITE = "bench-site"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def push(db: Database, admin: str) -> float:
    """The backlog pushed by `kiosk sync`'s job in a child at its systemd unit's CPU priority
    (deploy/kiosk-sync.service: Nice=10); for I/O the lowest best-effort level, not the
    unit's idle class, under which writers fsyncing without pause would starve it."""
    with sqlite3.connect(db.url.removeprefix("sqlite:///")) as lite:
        lite.execute("DELETE FROM sync_marks")  # the whole backlog is to send again
    central = fresh_pg_url(admin)
    engine = create_engine(central)
    with engine.begin() as conn:
        init_central(conn)
        add_site(conn, site_id=SITE)
    engine.dispose()
    site_login = central.replace("postgres:@", f"site_{SITE}@").replace(
        "postgres@", f"site_{SITE}@"
    )
    command = ["nice", "-n", "10", "ionice", "-c", "2", "-n", "7", sys.executable, __file__]
    start = time.perf_counter()
    out = subprocess.run(
        [*command, "--push", db.url, site_login.replace("+psycopg", "")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds = time.perf_counter() - start
    print(f"    push: {out.strip()}")
    return seconds


def child_push(site_url: str, central_url: str) -> None:
    db = Database(site_url)
    outcome = run_sync(
        db, CentralTarget(url=central_url, sslmode="disable"), batch_size=2000, time_budget_s=600
    )
    if not outcome.ok:
        raise SystemExit(f"push failed: {outcome.error}")
    print(
        f"{sum(outcome.pushed.values()):,} records, {outcome.attempts} attempt(s), "
        f"{outcome.seconds:.1f} s in the job"
    )


def line(label: str, issued: Issued) -> str:
    lat = issued.latencies_ms
    return (
        f"  {label:<24} {len(lat):6,} tickets  p50 {percentile(lat, 50):7.1f} ms  "
        f"p99 {percentile(lat, 99):7.1f} ms  max {max(lat, default=0):7.1f} ms  "
        f"failed {len(issued.failures)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150_000, help="records in the backlog")
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="the issuers-alone phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--push", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.push:
        child_push(*args.push)
        return
    work = Path(tempfile.mkdtemp(prefix="sync-contention-"))
    work.chmod(0o755)
    server = pgserver.get_server(work / "pg", cleanup_mode="delete")
    admin = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    config = parse_config({"site": {"id": SITE}}, base_dir=work, source="bench")
    db = upgraded(f"sqlite:///{work / 'site.sqlite'}", config)
    rng = random.Random(1)
    made = 0
    while made < args.n:
        made += add_records(db, site_id=SITE, visits=5000, rng=rng)
    print(f"backlog {made:,} records, {args.writers} writers issuing tickets in a tight loop")
    ratios, slowdowns, failures = [], [], []
    for round_ in range(1, args.rounds + 1):
        print(f"round {round_}")
        alone, _ = while_issuing(
            db,
            site_id=SITE,
            data_dir=work,
            writers=args.writers,
            during=lambda: time.sleep(args.seconds),
        )
        push_alone = push(db, admin)
        during, push_busy = while_issuing(
            db, site_id=SITE, data_dir=work, writers=args.writers, during=lambda: push(db, admin)
        )
        print(line("issue, no sync", alone))
        print(line("issue, during the push", during))
        for failure in sorted(set(during.failures + alone.failures))[:3]:
            print(f"    e.g. {failure[:160]}")
        ratio = percentile(during.latencies_ms, 99) / percentile(alone.latencies_ms, 99)
        print(
            f"  p99 with/without the sync {ratio:.2f}×; push alone {push_alone:.1f} s, "
            f"with the writers {push_busy:.1f} s ({push_busy / push_alone:.2f}×)"
        )
        ratios.append(ratio)
        slowdowns.append(push_busy / push_alone)
        failures.append(len(during.failures))
    print(
        f"median over {args.rounds} rounds: issue p99 {statistics.median(ratios):.2f}× with the "
        f"sync, push {statistics.median(slowdowns):.2f}× with the writers, "
        f"tickets failed during the push: {sum(failures)}"
    )
    db.dispose()


if __name__ == "__main__":
    main()
