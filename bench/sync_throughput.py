"""Push throughput of `kiosk sync` against the raw COPY of the same rows, and its memory.

For two backlog sizes (N/4 and N records), a SQLite site database is filled in bulk and
pushed by the real job into a fresh central database (in a child process, so its peak
resident memory is its own). In the same run the same rows are written by psycopg's
`COPY` into unconstrained copies of the tables: the baseline. Push and COPY take turns
three times (each into a fresh database; the machine is shared and noisy). Prints the
medians' rows/s, their ratio (target ≥ 0.35) and each round's, peak memory for both
sizes (flat in N) and the time of a nightly run with nothing to send.

    .venv/bin/python bench/sync_throughput.py [--n 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
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
import psycopg
from sqlalchemy import create_engine

from kiosk.config import parse_config
from kiosk.db import Database
from sync.central import CentralTarget
from sync.job import run_sync
from sync.schema import RECORDS, SENT_COLUMNS, init_central
from sync.sites import add_site
from tests.support import fresh_pg_url
from tests.sync_data import add_records

SITE = "bench-site"
RECORDS_PER_VISIT = 5.8  # what tests.sync_data.add_records makes on average


def child(site_url: str, central_url: str, batch: int) -> None:
    db = Database(site_url)
    target = CentralTarget(url=central_url, sslmode="disable")
    runs = []
    for _ in range(2):  # the backlog, then a night with nothing to send
        outcome = run_sync(db, target, batch_size=batch, time_budget_s=600)
        assert outcome.ok, outcome.error
        runs.append((sum(outcome.pushed.values()), outcome.seconds))
    # VmHWM, not ru_maxrss: that one survives exec, so a child forked from this bench
    # (which holds the COPY baseline's rows) would report the parent's size
    status = Path("/proc/self/status").read_text()
    peak_kib = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)[1])
    print(json.dumps({"runs": runs, "peak_mib": peak_kib / 1024}))


def make_site(path: Path, n: int) -> str:
    url = f"sqlite:///{path}"
    db = Database(url)
    db.upgrade()
    rng = random.Random(n)
    made = 0
    while made < n:
        made += add_records(
            db, site_id=SITE, visits=min(5000, int((n - made) / RECORDS_PER_VISIT) + 1), rng=rng
        )
    db.dispose()
    return url


def copy_baseline(site_path: Path, admin_url: str) -> tuple[int, float]:
    """COPY of the same rows, already in memory, into tables without keys or indexes."""
    rows = {}
    with sqlite3.connect(site_path) as lite:
        for t in RECORDS:
            cols = ", ".join(SENT_COLUMNS[t.name])
            rows[t.name] = lite.execute(f"SELECT {cols} FROM {t.name}").fetchall()
    libpq = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq) as conn:
        for t in RECORDS:
            conn.execute(f"CREATE TABLE copy_{t.name} (LIKE {t.name} INCLUDING DEFAULTS)")
        conn.commit()
        start = time.perf_counter()
        for t in RECORDS:
            cols = ", ".join(SENT_COLUMNS[t.name])
            with conn.cursor().copy(f"COPY copy_{t.name} ({cols}) FROM STDIN") as copy:
                for row in rows[t.name]:
                    copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - start
    return sum(len(r) for r in rows.values()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="records in the large backlog")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="push and COPY pairs; medians shown")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.batch)
        return
    parse_config({}, base_dir=Path.cwd(), source="bench")
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    work.chmod(0o755)
    server = pgserver.get_server(work / "pg", cleanup_mode="delete")
    admin = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    results = {}
    for n in (args.n // 4, args.n):
        site_path = work / f"site-{n}.sqlite"
        site_url = make_site(site_path, n)
        rounds = []
        for _ in range(args.rounds):  # push and COPY in turn, each into a fresh database
            with sqlite3.connect(site_path) as lite:  # the whole backlog is to send again
                lite.execute("DELETE FROM sync_marks")
            central = fresh_pg_url(admin)
            engine = create_engine(central)
            with engine.begin() as conn:
                init_central(conn)
                add_site(conn, site_id=SITE)
            engine.dispose()
            # the site logs in as its own role (trust on the unix socket here, SCRAM in production)
            site_central = central.replace("postgres:@", f"site_{SITE}@").replace(
                "postgres@", f"site_{SITE}@"
            )
            command = [sys.executable, __file__, "--batch", str(args.batch)]
            out = subprocess.run(
                [*command, "--child", site_url, site_central],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            push = json.loads(out)
            copied, copy_s = copy_baseline(site_path, central)
            (pushed, push_s), (idle_rows, idle_s) = push["runs"]
            assert pushed == copied and idle_rows == 0
            rounds.append((push_s, copy_s, push["peak_mib"], idle_s))
        push_s, copy_s, _, idle_s = (statistics.median(r[i] for r in rounds) for i in range(4))
        peak = max(r[2] for r in rounds)
        results[n] = (pushed, push_s, copy_s, peak, idle_s)
        print(
            f"N={pushed:>8,} records, median of {args.rounds}: "
            f"push {pushed / push_s:>9,.0f} rows/s ({push_s:.2f} s), "
            f"COPY {copied / copy_s:>9,.0f} rows/s ({copy_s:.2f} s), "
            f"ratio {copy_s / push_s:.2f} (target ≥ 0.35; rounds "
            + ", ".join(f"{c / p:.2f}" for p, c, _, _ in rounds)
            + f"); peak memory {peak:.0f} MiB (rounds "
            + ", ".join(f"{m:.0f}" for _, _, m, _ in rounds)
            + f"); nightly run with nothing to send "
            f"{idle_s * 1000:.0f} ms"
        )
    small, large = (results[k] for k in sorted(results))
    print(
        f"peak memory {small[3]:.0f} MiB at {small[0]:,} records, {large[3]:.0f} MiB at "
        f"{large[0]:,}: ratio {large[3] / small[3]:.2f} for {large[0] / small[0]:.1f}× the backlog"
    )


if __name__ == "__main__":
    main()
