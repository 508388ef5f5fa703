"""10 clerks calling and finishing tickets over HTTP at once, on SQLite and on PostgreSQL.

Each clerk signs in to the staff web and loops Call next, Done until nobody waits. The
server is `kiosk serve` in a process of its own, as in production (a config file opens the
centre around the clock, so the bench runs at any hour). A board client listens to the
Server-Sent Events stream meanwhile. Printed per database: operations per second, p50/p99
latency, the delay from a call's request to the board's event showing it, and the ratio
against the same operations called directly on the domain (no HTTP) in the same run.
Nothing may be called twice or skipped. Targets with 10 clerks: HTTP p99 ≤ 100 ms,
call → board max ≤ 1 s.

    .venv/bin/python bench/counter_load.py [--tickets 300] [--clerks 10]
    .venv/bin/python bench/counter_load.py --against COMMIT [--rounds 3] [--only sqlite]

With --against, the server of COMMIT's tree (its whole code, started in that tree) and this
one take turns in one run, the order alternating by round, each on a fresh database made by
this code; printed are each run and the ratios of the medians, this tree over COMMIT's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

import httpx
import pgserver

from kiosk.config import Config, load_config
from kiosk.db import Database
from kiosk.queue import Queue, apply_queue_config
from kiosk.staff import Role, Staff
from tests.support import fresh_pg_url
from tests.web_fixtures import PASSWORD, free_port, sign_in_http

ROOT = Path(__file__).resolve().parent.parent


def site_config(tmp: Path, clerks: int, url: str) -> tuple[Path, Config]:
    """A config file for the site: one category, `clerks` counters, open day and night."""
    tmp.mkdir(parents=True, exist_ok=True)
    counters = "".join(
        f'[[counters]]\nnumber = {n}\ncategories = ["А"]\n\n' for n in range(1, clerks + 1)
    )
    path = tmp / "kiosk.toml"
    path.write_text(
        f'[paths]\ndata_dir = "{tmp / "var"}"\n\n[database]\nurl = "{url}"\n\n'
        '[hours]\nopen = "00:00"\nclose = "23:59"\ndays = [1, 2, 3, 4, 5, 6, 7]\n'
        "stop_issuing_minutes = 0\n\n" + counters,
        encoding="utf-8",
    )
    return path, load_config(path)


def start_server(config_path: Path, tree: Path = ROOT) -> tuple[subprocess.Popen[bytes], str]:
    """`kiosk serve` in its own process, as the service runs it, with the code of `tree`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kiosk.cli", "--config", str(config_path)]
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env={**os.environ, "KIOSK_WEB_SECRET": "bench " * 8},
        stdout=subprocess.DEVNULL,
        cwd=tree,  # `-m` finds the package of the working directory first
    )
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/board", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kiosk serve did not start")


def fresh_db(url: str, config: Config) -> Database:
    db = Database(url)
    db.upgrade()
    apply_queue_config(db, config)
    return db


def issue(db: Database, config: Config, n: int) -> set[str]:
    queue = Queue(db, config)
    return {queue.issue(category="А").label for _ in range(n)}


def run_threads(clerks: int, work) -> list:
    results: list = [None] * clerks
    barrier = threading.Barrier(clerks)

    def one(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def direct(db: Database, config: Config, clerks: int) -> tuple[float, list[str]]:
    """The baseline: the same call-and-finish loop on the domain, no HTTP."""
    queue = Queue(db, config)

    def work(i: int) -> tuple[int, list[str]]:
        ops, called = 0, []
        while True:
            view = queue.call_next(counter=i + 1, clerk=f"c{i + 1}")
            ops += 1
            if view is None:
                return ops, called
            called.append(view.label)
            queue.finish(counter=i + 1, clerk=f"c{i + 1}")
            ops += 1

    start = time.perf_counter()
    results = run_threads(clerks, work)
    elapsed = time.perf_counter() - start
    return sum(r[0] for r in results) / elapsed, [label for r in results for label in r[1]]


def over_http(url: str, clerks: int) -> dict:
    clients = [httpx.Client(base_url=url, timeout=30) for _ in range(clerks)]
    tokens = [sign_in_http(c, f"c{i + 1}") for i, c in enumerate(clients)]
    sent_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}
    board_client = httpx.Client(base_url=url, timeout=None)

    def board() -> None:
        try:
            with board_client.stream("GET", "/api/events") as s:
                for line in s.iter_lines():
                    if line.startswith("data: "):
                        now = time.perf_counter()
                        for call in json.loads(line[6:])["calls"]:
                            seen_at.setdefault(call["label"], now)
        except httpx.HTTPError:
            return  # closed by the main thread at the end

    listener = threading.Thread(target=board, daemon=True)
    listener.start()
    time.sleep(1)

    def work(i: int) -> tuple[list[float], list[str]]:
        latencies, called = [], []
        headers = {"X-CSRF-Token": tokens[i]}
        while True:
            t0 = time.perf_counter()
            r = clients[i].post("/api/panel/call", headers=headers)
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
            ticket = r.json()["ticket"]
            if ticket is None:
                return latencies, called
            sent_at[ticket["label"]] = t0
            called.append(ticket["label"])
            t0 = time.perf_counter()
            clients[i].post("/api/panel/finish", headers=headers).raise_for_status()
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    results = run_threads(clerks, work)
    elapsed = time.perf_counter() - start
    time.sleep(1)  # the board's last event
    board_client.close()
    listener.join(timeout=5)
    latencies = sorted(x for r in results for x in r[0])
    delays = sorted(seen_at[k] - sent_at[k] for k in sent_at if k in seen_at)
    return {
        "ops_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "board_p50_ms": 1000 * statistics.median(delays) if delays else float("nan"),
        "board_max_ms": 1000 * max(delays) if delays else float("nan"),
        "board_seen": len(delays),
        "called": [label for r in results for label in r[1]],
    }


def served(name: str, url: str, tickets: int, clerks: int, tmp: Path, tree: Path) -> dict:
    """The clerks' loop over HTTP against the server of `tree`, on a fresh database."""
    config_path, config = site_config(tmp, clerks, url)
    db = fresh_db(config.database_url, config)
    staff = Staff(db, config)
    for n in range(1, clerks + 1):
        staff.add(username=f"c{n}", password=PASSWORD, role=Role.CLERK, counter=n)
    issued = issue(db, config, tickets)
    proc, base_url = start_server(config_path, tree)
    try:
        result = over_http(base_url, clerks)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        db.dispose()
    called = result["called"]
    assert len(called) == len(set(called)), f"{name}: a ticket was called twice"
    assert set(called) == issued, f"{name}: a ticket was skipped"
    return result


def _http(result: dict) -> str:
    return (
        f"HTTP {result['ops_per_s']:7.0f} ops/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms | call→board event p50 {result['board_p50_ms']:.0f} ms, "
        f"max {result['board_max_ms']:.0f} ms ({result['board_seen']}/{len(result['called'])} "
        "calls seen; the board keeps the last 6)"
    )


def bench(name: str, url_for, tickets: int, clerks: int, tmp: Path) -> None:
    _, config = site_config(tmp / name / "domain", clerks, url_for())
    base_db = fresh_db(config.database_url, config)
    issued = issue(base_db, config, tickets)
    base_ops, base_called = direct(base_db, config, clerks)
    assert sorted(base_called) == sorted(issued), "domain: a ticket called twice or skipped"
    base_db.dispose()
    result = served(name, url_for(), tickets, clerks, tmp / name / "http", ROOT)
    print(
        f"{name:10} {_http(result)} | domain {base_ops:7.0f} ops/s | "
        f"HTTP/domain {result['ops_per_s'] / base_ops:.2f}x | "
        f"{len(result['called'])} tickets, none twice, none skipped"
    )


def against(
    commit: str, name: str, url_for, tickets: int, clerks: int, rounds: int, tmp: Path
) -> None:
    """This tree's server and COMMIT's, taking turns, the order alternating by round."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _at_commit import tree_at

    trees = {commit: tree_at(commit, tmp / name), "now": ROOT}
    results: dict[str, list[dict]] = {k: [] for k in trees}
    for i in range(rounds):
        for who in list(trees) if i % 2 == 0 else list(trees)[::-1]:
            result = served(name, url_for(), tickets, clerks, tmp / name / f"{who}-{i}", trees[who])
            results[who].append(result)
            print(f"{name:10} round {i + 1} {who:>10}: {_http(result)}", flush=True)
    keys = ("ops_per_s", "p99_ms", "board_max_ms")
    medians = {
        w: {k: statistics.median(r[k] for r in rs) for k in keys} for w, rs in results.items()
    }
    now, base = medians["now"], medians[commit]
    print(
        f"{name:10} medians of {rounds}: now {now['ops_per_s']:.0f} ops/s, p99 {now['p99_ms']:.0f} ms, "
        f"board max {now['board_max_ms']:.0f} ms; {commit} {base['ops_per_s']:.0f} ops/s, "
        f"p99 {base['p99_ms']:.0f} ms, board max {base['board_max_ms']:.0f} ms | now/{commit}: "
        f"throughput {now['ops_per_s'] / base['ops_per_s']:.2f}x, "
        f"p99 {now['p99_ms'] / base['p99_ms']:.2f}x, "
        f"board max {now['board_max_ms'] / base['board_max_ms']:.2f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--clerks", type=int, default=10)
    parser.add_argument("--against", metavar="COMMIT", help="take turns with COMMIT's server")
    parser.add_argument("--rounds", type=int, default=3, help="with --against")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()

    def run(name: str, url_for, tmp: Path) -> None:
        if args.only not in (None, name):
            return
        if args.against:
            against(args.against, name, url_for, args.tickets, args.clerks, args.rounds, tmp)
        else:
            bench(name, url_for, args.tickets, args.clerks, tmp)

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        counter = iter(range(1000))
        run("sqlite", lambda: f"sqlite:///{tmp}/site{next(counter)}.sqlite", tmp)
        if args.only == "sqlite":
            return
        server = pgserver.get_server(tmp / "pg", cleanup_mode="stop")
        try:
            pg_url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
            run("postgresql", lambda: fresh_pg_url(pg_url), tmp)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
