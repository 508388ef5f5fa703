"""The yearly all-sites report on a year of activity for 20 sites, against a plain count(*).

About 1.5 M tickets (5.5 M ticket events, 1.5 M ticket outcomes) and 0.5 M ratings are
made by the demo generator and loaded into a PostgreSQL from pgserver with COPY. Then,
in the same run, `SELECT count(*)` over every table the report reads is timed, and the
full report (with its comparison year) is computed. Target: the report within 10× the
count.

    .venv/bin/python bench/report_scale.py [--sites 20] [--tickets-per-day 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

import pgserver
import psycopg
from sqlalchemy import func, select

from kiosk.catalog import ensure_catalog, load_catalog
from kiosk.config import parse_config
from kiosk.db import Database
from kiosk.demo_seed import synthetic_activity
from kiosk.models import (
    RECORD_TABLES,
    DeviceEvent,
    Message,
    MessageEvent,
    Rating,
    RatingReason,
    Ticket,
    TicketOutcome,
)
from kiosk.reports.compute import Period, compute_report

LOADED = tuple(t for t in RECORD_TABLES if t is not DeviceEvent)  # the demo has no devices
# the tables the report reads (ticket events are not among them: outcomes carry the times)
COUNTED = (Ticket, TicketOutcome, Rating, RatingReason, Message, MessageEvent)


def load(url: str, batches, config) -> dict[str, int]:
    counts = {t.__tablename__: 0 for t in LOADED}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for batch in batches:
            for table in LOADED:
                rows = batch.rows[table]
                if not rows:
                    continue
                columns = list(rows[0])
                sql = f"COPY {table.__tablename__} ({', '.join(columns)}) FROM STDIN"
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
                counts[table.__tablename__] += len(rows)
            conn.commit()
        cur.execute("ANALYZE")
    return counts


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--tickets-per-day", type=int, default=300)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        config = parse_config({}, base_dir=Path(tmp), source="bench")
        db = Database(url)
        db.upgrade()
        ensure_catalog(db)
        services = load_catalog(db).services
        sites = [f"site-{i:02d}" for i in range(1, args.sites + 1)]
        first = dt.date(args.year, 1, 1)
        now = dt.datetime(args.year + 1, 2, 1, tzinfo=dt.UTC)
        started = time.perf_counter()
        batches = synthetic_activity(
            config=config,
            services=services,
            sites=sites,
            first_day=first,
            days=(dt.date(args.year + 1, 1, 1) - first).days,
            tickets_per_day=args.tickets_per_day,
            now=now,
            days_per_batch=14,
        )
        counts = load(server.get_uri(), batches, config)
        print(
            f"loaded in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        )

        def count_all() -> int:
            with db.read() as s:
                return sum(s.scalar(select(func.count()).select_from(t)) for t in COUNTED)

        def report():
            return compute_report(
                db,
                period=Period.parse(str(args.year)),
                tz=config.tz,
                sites=None,
                as_of=dt.date(args.year + 1, 1, 31),
            )

        count_s, rows = best_of(5, count_all)
        report_s, result = best_of(5, report)
        print(f"count(*) over {len(COUNTED)} tables ({rows:,} rows): {count_s:.3f} s")
        print(
            f"yearly all-sites report (and the previous year): {report_s:.3f} s "
            f"= {report_s / count_s:.1f}x the count (target < 10x); "
            f"{result.tickets:,} tickets, {result.overall.count:,} counted ratings"
        )
        db.dispose()
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
