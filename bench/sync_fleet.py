"""Ten sites syncing every five minutes against one central PostgreSQL: what it costs the
centre and each site, against the same day's work sent by one nightly sync, and how long a
village's rating takes to reach the centre.

The municipality's ten sites each get an SQLite file with demo history (kiosk.demo_seed)
and a first sync. Then a stretch of the working day is simulated, compressed: each round
adds five minutes of a lobby to every site through the domain (tickets issued and served,
faces pressed, the kiosk's heartbeat) and runs the real `kiosk sync` (a fresh process, as
the timer starts it) for each site, over TCP with SCRAM through a relay that counts the
bytes. The centre's cost is the CPU time of its postgres processes (psutil: the
postmaster, its live children, and the children it has reaped), its transactions and the
bytes on the wire; each site's is its run's CPU and wall time. The baseline, in the same
run: ten more sites with the same history and the same rounds of activity, left to one
nightly `kiosk sync` at the end. The lag: each round, a village's rating is written just
before its run and looked for at the centre (the web's login, as the sites page reads)
until it is there; the tick's own wait (0 to 5 minutes) comes on top.

    .venv/bin/python bench/sync_fleet.py [--rounds 12] [--out docs/bench-sync-fleet.txt]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

import psutil
import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from kiosk.config import load_config
from kiosk.db import Database
from kiosk.demo_seed import seed_demo
from kiosk.feedback import Feedback
from kiosk.health import Health
from kiosk.queue import Arrival, Queue, QueueClosed, apply_queue_config
from sync.central import CentralTarget
from sync.overview import site_rows
from sync.schema import init_central
from sync.sites import add_centre_login, add_site
from tests.support import fresh_pg_url
from tests.sync_fixtures import CentralServer

SITES = (
    "centre",
    "shivachevo",
    "sborishte",
    "orizari",
    "borov-dol",
    "byala-palanka",
    "zhalt-bryag",
    "bliznets",
    "chervenakovo",
    "sartsevo",
)
#: tickets per five minutes: the town hall's centre and Шивачево are busier than a village
TICKETS = {"centre": 4, "shivachevo": 2}
#: the simulated stretch starts on a working morning, in the past (records are never ahead)
FIRST_ROUND = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ROUND = dt.timedelta(minutes=5)
#: a row's header and its two index entries (id, site and time), beside the JSON itself
ROW_OVERHEAD = 24 + 16 + 8 + 16 + 8 + 8 + 40 + 40


class CountingRelay:
    """A TCP relay to the central server that counts the bytes both ways."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.bytes = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                with self._lock:
                    self.bytes += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@dataclass
class Meter:
    """The central server's cumulative cost: CPU seconds, transactions, bytes on the wire."""

    server: CentralServer
    relay: CountingRelay
    admin_url: str

    def cpu_s(self) -> float:
        pid = int((self.server.pgdata / "postmaster.pid").read_text().split()[0])
        post = psutil.Process(pid)
        t = post.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in post.children():
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.NoSuchProcess:
                pass  # it ended between the listing and the reading: the postmaster reaped it
        return total

    def transactions(self, database: str) -> int:
        with psycopg.connect(self.admin_url.replace("+psycopg", "")) as conn:
            (n,) = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                (database,),
            ).fetchone()
        return n

    def reading(self, database: str) -> tuple[float, int, int]:
        time.sleep(0.6)  # backends that just ended flush their statistics
        return self.cpu_s(), self.transactions(database), self.relay.bytes


@dataclass
class FleetSite:
    site_id: str
    folder: Path
    db: Database
    config_file: Path
    url: str
    rng: random.Random
    runs: list[tuple[float, float]] = field(default_factory=list)  # (cpu s, wall s)

    def sync(self) -> tuple[float, float]:
        """The real `kiosk sync`, a fresh process as the timer starts it; its CPU and wall time."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "--config", str(self.config_file), "sync"],
            env={**os.environ, "FLEET_CENTRAL_URL": self.url},
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if run.returncode != 0:
            raise RuntimeError(f"{self.site_id}: kiosk sync failed\n{run.stdout}{run.stderr}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.runs.append((cpu, wall))
        return cpu, wall

    def five_minutes(self, start: dt.datetime) -> object:
        """Five minutes of the lobby: tickets issued and served, faces, the heartbeat; returns
        the UUID of the last rating."""
        config = load_config(self.config_file)
        step = ROUND / 10
        clock = _Clock(start)
        queue, feedback = (
            Queue(self.db, config, clock=clock),
            Feedback(self.db, config, clock=clock),
        )
        category = config.categories[0].code
        rating = None
        for _ in range(TICKETS.get(self.site_id, 1)):
            try:
                queue.issue(category=category)
            except QueueClosed:
                break
            clock.now += step
            queue.call_next(counter=1, previous=Arrival.ARRIVED)
            clock.now += step
            rating = feedback.rate(score=self.rng.randint(1, 5), terminal_id="demo").uuid
        Health(self.db, config, clock=clock).beat(printer="ok")
        return rating


class _Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def make_sites(
    work: Path, admin_url: str, port: int, prefix: str, *, history_days: int
) -> list[FleetSite]:
    engine = create_engine(admin_url)
    database = make_url(admin_url).database
    made = []
    for i, name in enumerate(SITES):
        site_id = f"{prefix}{name}"
        with engine.begin() as conn:
            login = add_site(conn, site_id=site_id)
        folder = work / site_id
        folder.mkdir(parents=True)
        config_file = folder / "kiosk.toml"
        config_file.write_text(
            f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{folder / "var"}"\n'
            '[sync]\ncentral_url = "env:FLEET_CENTRAL_URL"\nsslmode = "disable"\n'
            "[web]\nport = 1\n[doctor]\ndisk_warn_percent = 98\ndisk_fail_percent = 99\n",
            encoding="utf-8",
        )
        config = load_config(config_file)
        db = Database(f"sqlite:///{folder / 'var' / 'kiosk.sqlite'}")
        (folder / "var").mkdir(exist_ok=True)
        db.upgrade()
        apply_queue_config(db, config)
        seed_demo(
            db,
            config,
            days=history_days,
            tickets_per_day=TICKETS.get(name, 1) * 25,
            now=FIRST_ROUND.astimezone(dt.UTC),
            seed=i,
        )
        url = f"postgresql://{login.role}:{login.password}@127.0.0.1:{port}/{database}"
        made.append(FleetSite(site_id, folder, db, config_file, url, random.Random(i)))
    engine.dispose()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--history-days", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kiosk-fleet-"))
    home.chmod(0o755)
    server = CentralServer(home / "pgdata")
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        relay = CountingRelay(server.port)
        live_url, night_url = fresh_pg_url(server.admin_url), fresh_pg_url(server.admin_url)
        for url in (live_url, night_url):
            engine = create_engine(url)
            with engine.begin() as conn:
                init_central(conn)
            engine.dispose()
        engine = create_engine(live_url)
        with engine.begin() as conn:
            web_password = add_centre_login(conn)
        engine.dispose()
        live_db, night_db = make_url(live_url).database, make_url(night_url).database
        web = CentralTarget(
            url=f"postgresql://centre_web:{web_password}@127.0.0.1:{server.port}/{live_db}",
            sslmode="disable",
        ).database()
        meter = Meter(server, relay, server.admin_url)
        say(f"sync fleet: {len(SITES)} sites, {args.rounds} rounds of 5 simulated minutes each")
        t0 = time.perf_counter()
        live = make_sites(home / "live", live_url, relay.port, "", history_days=args.history_days)
        night = make_sites(
            home / "night", night_url, relay.port, "n-", history_days=args.history_days
        )
        for site in (*live, *night):  # the history reaches the centre first: not measured
            site.sync()
            site.runs.clear()
        say(
            f"set-up (history of {args.history_days} days, first syncs): "
            f"{time.perf_counter() - t0:.0f} s"
        )
        say()
        say(
            "round  centre CPU s  transactions  bytes     site CPU s (mean)  site wall s "
            "(mean, max)  rating→centre s (max)  sites page ms"
        )
        rounds = []
        lags: list[float] = []
        for r in range(args.rounds):
            start = FIRST_ROUND + r * ROUND
            cpu0, tx0, b0 = meter.reading(live_db)
            site_cpu, site_wall, round_lags = [], [], []
            for site in live:
                rating = site.five_minutes(start)
                written = time.perf_counter()
                cpu, wall = site.sync()
                _wait_for(web, site.site_id, rating)
                round_lags.append(time.perf_counter() - written)
                site_cpu.append(cpu)
                site_wall.append(wall)
            for site in night:  # the same activity, kept for the night
                site.five_minutes(start)
            cpu1, tx1, b1 = meter.reading(live_db)
            t = time.perf_counter()
            shown = site_rows(web, now=dt.datetime.now(dt.UTC), silent_after_s=120)
            page_ms = (time.perf_counter() - t) * 1000
            assert len(shown) == len(SITES) and all(s.status for s in shown)
            lags.extend(round_lags)
            rounds.append((cpu1 - cpu0, tx1 - tx0, b1 - b0, sum(site_cpu), sum(site_wall)))
            say(
                f"{r + 1:>5}  {cpu1 - cpu0:>12.2f}  {tx1 - tx0:>12}  {b1 - b0:>8}  "
                f"{statistics.mean(site_cpu):>17.2f}  {statistics.mean(site_wall):>11.2f}, "
                f"{max(site_wall):>5.2f}  {statistics.mean(round_lags):>14.2f} "
                f"({max(round_lags):.2f})  {page_ms:>12.1f}"
            )
        # the baseline: the same day's activity, one nightly run per site
        cpu0, tx0, b0 = meter.reading(night_db)
        night_cpu, night_wall = [], []
        for site in night:
            cpu, wall = site.sync()
            night_cpu.append(cpu)
            night_wall.append(wall)
        cpu1, tx1, b1 = meter.reading(night_db)
        night_cost = (cpu1 - cpu0, tx1 - tx0, b1 - b0, sum(night_cpu), sum(night_wall))
        live_cost = tuple(sum(x[i] for x in rounds) for i in range(5))
        say()
        say(f"totals over the stretch ({args.rounds * 5} simulated minutes, {len(SITES)} sites):")
        say("                        every 5 min   one nightly run   ratio")
        names = (
            "centre CPU s",
            "centre transactions",
            "bytes on the wire",
            "sites' CPU s",
            "sites' wall s",
        )
        for name, a, b in zip(names, live_cost, night_cost, strict=True):
            say(f"  {name:<20}  {a:>12.2f}  {b:>16.2f}  {a / b:>6.1f}×")
        per_day = live_cost[0] / (args.rounds * 5) * 60 * 13  # 07:00–20:00 of the day timer
        say()
        say(
            f"centre CPU per site and round: {live_cost[0] / (args.rounds * len(SITES)):.3f} s; "
            f"for a 13-hour day of ticks: {per_day:.0f} s, "
            f"{per_day / (13 * 3600) * 100:.2f} % of one core"
        )
        say(
            f"a site's run: CPU {statistics.mean(c for s in live for c, _ in s.runs):.2f} s, "
            f"wall {statistics.mean(w for s in live for _, w in s.runs):.2f} s "
            f"(the nightly one: CPU {statistics.mean(night_cpu):.2f} s, "
            f"wall {statistics.mean(night_wall):.2f} s)"
        )
        say(
            f"rating → centre after the tick: median {statistics.median(lags):.2f} s, "
            f"max {max(lags):.2f} s; with the 5-minute tick, at most 5 min "
            f"{max(lags):.0f} s, 2 min {30 + statistics.median(lags):.0f} s on average"
        )
        with psycopg.connect(live_url.replace("+psycopg", "")) as conn:  # the superuser
            rows, size = conn.execute(
                "SELECT count(*), avg(pg_column_size(status)) FROM site_status"
            ).fetchone()
        size = float(size) + ROW_OVERHEAD
        facts_cpu, facts_wall = _status_cost(live[-1].config_file)
        say(
            f"the status report alone, in a fresh process (its imports included): CPU "
            f"{facts_cpu:.2f} s, wall {facts_wall:.2f} s"
        )
        say(
            f"site_status: {rows} rows of about {size:.0f} bytes (the JSON, the row, its index "
            f"entries); a year of 5-minute ticks at 10 sites: {size * 39e4 / 2**20:.0f} MiB"
        )
        web.dispose()
    finally:
        server.stop(signal.SIGQUIT)
        shutil.rmtree(home, ignore_errors=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _status_cost(config_file: Path) -> tuple[float, float]:
    code = (
        "import time; w, c = time.perf_counter(), time.process_time()\n"
        "from kiosk.config import load_config\nfrom kiosk.db import Database\n"
        "from sync.status import site_facts\n"
        f"config = load_config({str(config_file)!r})\n"
        "db = Database(f'sqlite:///{config.data_dir}/kiosk.sqlite')\n"
        "w2, c2 = time.perf_counter(), time.process_time()\n"
        "site_facts(config, db)\n"
        "print(time.process_time() - c2, time.perf_counter() - w2)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    cpu, wall = map(float, out.stdout.split())
    return cpu, wall


def _wait_for(web: Database, site_id: str, rating: object, timeout_s: float = 30) -> None:
    """Until the centre's web login sees the rating."""
    from sqlalchemy import text

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with web.read() as s:
            if s.execute(
                text("SELECT 1 FROM ratings WHERE site_id = :s AND uuid = :u"),
                {"s": site_id, "u": rating},
            ).first():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{site_id}: the rating did not reach the centre")


if __name__ == "__main__":
    main()
