"""Ctrl-C stops each serve command cleanly: a real SIGINT to a real `kiosk serve`, `kiosk
central serve` and `kiosk public serve` ends it with exit code 0, no traceback, the port free
(a board's stream open on the staff web, as at a counter)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kiosk.cli import main
from tests.central_web_fixtures import Centre
from tests.web_fixtures import free_port

SECRET = {"KIOSK_WEB_SECRET": "a test key that is long enough to sign"}


def _site(tmp_path: Path) -> Path:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(toml), "db", "upgrade"]) == 0
    return toml


def _stop_with_ctrl_c(args: list[str], port: int, path: str, *, stream: bool = False) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *args, "--port", str(port)],
        env={**os.environ, **SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                httpx.get(url + path, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"{args[0]} did not answer")
        with (
            httpx.stream("GET", f"{url}/api/events", timeout=30)
            if stream
            else httpx.Client() as held
        ):
            if stream:
                next(held.iter_raw())  # a board connected when Ctrl-C comes
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=15) == 0
        err = proc.stderr.read().decode()
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
        with socket.socket() as s:  # the port is free for the next start
            s.bind(("127.0.0.1", port))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_stops_the_staff_web_with_a_board_connected(tmp_path: Path) -> None:
    toml = _site(tmp_path)
    _stop_with_ctrl_c(["--config", str(toml), "serve"], free_port(), "/login", stream=True)


def test_ctrl_c_stops_the_citizens_pages(tmp_path: Path) -> None:
    toml = _site(tmp_path)
    _stop_with_ctrl_c(["--config", str(toml), "public", "serve"], free_port(), "/")


def test_ctrl_c_stops_the_centres_staff_web(centre: Centre, tmp_path: Path) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    url = centre.web_url
    args = ["--config", str(toml), "central", "serve", "--url", url, "--sslmode", "disable"]
    _stop_with_ctrl_c(args, free_port(), "/login")
