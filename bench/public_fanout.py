"""1,000 live ticket pages at once: the citizens' listener's memory and the delay from a
clerk's call to every page, against the lobby board's delay in the same run.

A site on a SQLite file with `--tickets` waiting tickets of one category, each followed by
`--pages / --tickets` phones (Server-Sent Events over raw asyncio sockets: the clients
cost the shared machine little). The citizens' pages (`kiosk public serve`) and the staff
web (`kiosk serve`, whose lobby board's stream `/api/events` is the baseline) run as their
own processes, as in production; the clerk's calls are made on the database as the
counter's panel would. Each call moves every page (one fewer ahead). Printed: the
listener's resident memory before and with the pages open, and per call the delay until
the board's stream and until each page heard of it (p50, max), with the ratio.

    PYTHONPATH=. python bench/public_fanout.py [--pages 1000] [--tickets 500] [--calls 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers

import httpx

from kiosk.config import load_config
from kiosk.db import Database
from kiosk.queue import Arrival, Queue, apply_queue_config
from tests.web_fixtures import free_port

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """[site]
id = "bench"
[paths]
data_dir = "{data}"
[hours]
open = "00:00"
close = "23:59"
days = [1, 2, 3, 4, 5, 6, 7]
stop_issuing_minutes = 0
working_days = [{today}, {tomorrow}]
[public]
base_url = "https://opashka.example"
streams_per_address = 1000
requests_per_minute = 10000
[web]
secret = "file:{data}/web-secret"
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def sse(port: int, path: str, heard: list[float], opened: asyncio.Event) -> None:
    """One page: a raw HTTP/1.1 stream; `heard` gets the time of every news message."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    kind = "message"
    try:
        while line := await reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("event: "):
                kind = text[7:]
            elif text.startswith("data: "):
                if kind in ("message", "queue"):
                    heard.append(time.monotonic())
                    opened.set()
                kind = "message"
    finally:
        writer.close()


def wait_listening(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


async def run(args: argparse.Namespace, work: Path) -> None:
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
    config_file = work / "kiosk.toml"
    config_file.write_text(
        CONFIG.format(data=work, today=today, tomorrow=today + dt.timedelta(days=1))
    )
    (work / "web-secret").write_text("b" * 64)
    (work / "web-secret").chmod(0o600)
    env = {**os.environ, "KIOSK_CONFIG": str(config_file), "PYTHONPATH": str(ROOT)}
    kiosk = [sys.executable, "-m", "kiosk.cli"]
    subprocess.run([*kiosk, "db", "upgrade"], env=env, check=True, capture_output=True)
    config = load_config(config_file)
    db = Database(config.database_url)
    apply_queue_config(db, config)  # the categories and counters, as `kiosk serve` does
    queue = Queue(db, config)
    tokens = [queue.issue(category="А").live_token for _ in range(args.tickets)]
    public_port, web_port = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [*kiosk, "public", "serve", "--host", "127.0.0.1", "--port", str(public_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*kiosk, "serve", "--host", "127.0.0.1", "--port", str(web_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        wait_listening(f"http://127.0.0.1:{public_port}/t/{tokens[0]}")
        wait_listening(f"http://127.0.0.1:{web_port}/board")
        before = rss_kib(servers[0].pid)
        per_ticket = max(1, args.pages // args.tickets)
        pages: list[list[float]] = []
        ticket_of: list[int] = []  # each page's ticket, by its place in the queue
        opened: list[asyncio.Event] = []
        tasks = []
        for i in range(args.pages):
            heard: list[float] = []
            event = asyncio.Event()
            pages.append(heard)
            opened.append(event)
            ticket_of.append((i // per_ticket) % len(tokens))
            token = tokens[ticket_of[-1]]
            tasks.append(asyncio.create_task(sse(public_port, f"/t/{token}/events", heard, event)))
        board: list[float] = []
        board_open = asyncio.Event()
        tasks.append(asyncio.create_task(sse(web_port, "/api/events", board, board_open)))
        started = time.monotonic()
        await asyncio.wait_for(
            asyncio.gather(*(e.wait() for e in [*opened, board_open])), timeout=300
        )
        print(f"{args.pages} pages open in {time.monotonic() - started:.1f} s")
        await asyncio.sleep(2)
        with_pages = rss_kib(servers[0].pid)
        print(
            f"listener memory: {before / 1024:.0f} MiB before, {with_pages / 1024:.0f} MiB with "
            f"{args.pages} pages ({(with_pages - before) / args.pages:.0f} KiB a page)"
        )
        page_p50, page_max, board_delays = [], [], []
        for call in range(args.calls):
            # the tickets called before this call (in turn, А001 first) have no news to hear
            live = [h for h, t in zip(pages, ticket_of, strict=True) if t >= call]
            marks = [len(h) for h in live]
            board_mark = len(board)
            at = time.monotonic()
            await asyncio.to_thread(queue.call_next, counter=1 + call % 2, previous=Arrival.ARRIVED)
            deadline = at + 30
            while time.monotonic() < deadline and (
                len(board) == board_mark
                or any(len(h) == m for h, m in zip(live, marks, strict=True))
            ):
                await asyncio.sleep(0.02)
            missed = sum(len(h) == m for h, m in zip(live, marks, strict=True))
            delays = sorted(h[m] - at for h, m in zip(live, marks, strict=True) if len(h) > m)
            board_delay = board[board_mark] - at if len(board) > board_mark else float("nan")
            page_p50.append(statistics.median(delays))
            page_max.append(delays[-1])
            board_delays.append(board_delay)
            print(
                f"call {call + 1}: board {board_delay * 1000:6.0f} ms; pages p50 "
                f"{page_p50[-1] * 1000:6.0f} ms, max {page_max[-1] * 1000:6.0f} ms"
                + (f" ({missed} pages heard nothing)" if missed else "")
            )
            await asyncio.sleep(1.5)
        board_med = statistics.median(board_delays)
        print(
            f"median of {args.calls} calls: board {board_med * 1000:.0f} ms; pages p50 "
            f"{statistics.median(page_p50) * 1000:.0f} ms "
            f"({statistics.median(page_p50) / board_med:.1f}x the board), max "
            f"{statistics.median(page_max) * 1000:.0f} ms "
            f"({statistics.median(page_max) / board_med:.1f}x)"
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
