"""`kiosk serve` stops on SIGTERM with boards connected, and their streams end first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from kiosk.cli import main
from tests.web_fixtures import free_port

BOARDS = 5


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert proc.poll() is None, "kiosk serve stopped at start"
        try:
            if httpx.get(f"{url}/api/board", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("kiosk serve did not answer")


def test_sigterm_ends_the_streams_and_the_server_with_boards_connected(tmp_path: Path) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(toml), "db", "upgrade"]) == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--config", str(toml), "serve", "--port", str(port)],
        env={**os.environ, "KIOSK_WEB_SECRET": "a test key that is long enough to sign"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(url, proc)
        connected = threading.Barrier(BOARDS + 1)
        ended: list[bytes] = []

        def board() -> None:
            with httpx.stream("GET", f"{url}/api/events", timeout=30) as stream:
                chunks = stream.iter_raw()
                first = next(chunks)
                connected.wait()
                ended.append(first + b"".join(chunks))  # returns when the server ends it

        boards = [threading.Thread(target=board) for _ in range(BOARDS)]
        for b in boards:
            b.start()
        connected.wait(timeout=30)
        proc.send_signal(signal.SIGTERM)
        # uvicorn raises the signal again once it has stopped: the exit systemd expects.
        assert proc.wait(timeout=5) == -signal.SIGTERM
        for b in boards:
            b.join(timeout=5)
        assert len(ended) == BOARDS and all(e.startswith(b"retry:") for e in ended)
        # The streams ended themselves: uvicorn did not have to cancel them after its grace.
        assert b"timeout graceful shutdown exceeded" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
