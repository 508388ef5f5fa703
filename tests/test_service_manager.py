"""systemd's notify protocol on a real AF_UNIX socket: the kiosk app says READY at its first
frame and WATCHDOG from its UI loop, so a frozen loop goes quiet; the staff web says READY
when it listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import Database
from kiosk.models import Heartbeat
from kiosk.service_manager import ServiceManager

ROOT = Path(__file__).resolve().parents[1]
WATCHDOG_USEC = 400_000  # pings every 0.2 s


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    yield sock
    sock.close()


def wait_for(sock: socket.socket, wanted: str, *, within_s: float = 60) -> list[str]:
    """The notifications received until one that holds the line `wanted`."""
    seen: list[str] = []
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            seen.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if wanted in seen[-1].splitlines():
            return seen
    raise AssertionError(f"no {wanted} among {seen}")


def drain(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    seen = []
    try:
        while True:
            seen.append(sock.recv(4096).decode())
    except BlockingIOError:
        return seen
    finally:
        sock.setblocking(True)


def test_no_socket_no_notifications() -> None:
    manager = ServiceManager({})
    assert manager.ping_every_s is None
    manager.ready("ready")  # nothing to send to, nothing raised
    manager.alive()
    manager.stopping()


def test_frozen_ui_loop_stops_the_watchdog_pings(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    # GIVEN the app started as systemd starts it under cage: the watchdog's PID is cage's
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NOTIFY_SOCKET": str(tmp_path / "notify"),
        "WATCHDOG_USEC": str(WATCHDOG_USEC),
        "WATCHDOG_PID": "1",
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.watched_app", str(tmp_path)], cwd=ROOT, env=env
    )
    try:
        # THEN it is READY once the attract screen is drawn, and pings
        first = wait_for(notify_socket, "READY=1")
        assert any(m.startswith("STATUS=ready") for m in first)
        seen = wait_for(notify_socket, "WATCHDOG=1", within_s=5)
        seen += wait_for(notify_socket, "WATCHDOG=1", within_s=5)
        # this app has no printer: the attract screen's check says so in the status line
        assert "STATUS=ready; printer: offline\n" in first + seen

        # WHEN a callback blocks the UI loop
        (tmp_path / "freeze").touch()
        while not (tmp_path / "frozen").exists():
            time.sleep(0.01)
        drain(notify_socket)
        # THEN no ping comes for many times their interval
        notify_socket.settimeout(10 * WATCHDOG_USEC / 2e6)
        with pytest.raises(TimeoutError):
            print(notify_socket.recv(4096))

        # WHEN the loop runs again THEN so do the pings
        (tmp_path / "freeze").unlink()
        wait_for(notify_socket, "WATCHDOG=1", within_s=10)

        # and leaving says so
        (tmp_path / "stop").touch()
        wait_for(notify_socket, "STOPPING=1", within_s=20)
        assert app.wait(timeout=30) == 0
    finally:
        app.kill()
        app.wait()
    # the heartbeat was recorded from the same loop, with the printer's state it knew
    db = Database(f"sqlite:///{tmp_path / 'site.sqlite'}")
    with db.read() as s:
        beat = s.scalars(select(Heartbeat)).one()
    db.dispose()
    assert beat.source == "kiosk" and beat.printer == "offline"


def test_staff_web_is_ready_when_it_listens(tmp_path: Path, notify_socket: socket.socket) -> None:
    (tmp_path / "kiosk.toml").write_text('[paths]\ndata_dir = "var"\n', encoding="utf-8")
    kiosk = [sys.executable, "-m", "kiosk.cli", "--config", str(tmp_path / "kiosk.toml")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*kiosk, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    env |= {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    web = subprocess.Popen([*kiosk, "serve", "--port", "8711"], cwd=ROOT, env=env)
    try:
        seen = wait_for(notify_socket, "READY=1")
        assert "STATUS=listening on 127.0.0.1:8711\n" in seen
        socket.create_connection(("127.0.0.1", 8711), timeout=5).close()  # it does listen
        wait_for(notify_socket, "WATCHDOG=1", within_s=5)
        web.terminate()
        wait_for(notify_socket, "STOPPING=1", within_s=20)
        web.wait(timeout=20)  # uvicorn ends by SIGTERM again once shut down: systemd's clean stop
    finally:
        web.kill()
        web.wait()
