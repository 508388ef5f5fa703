"""The staff web served by a real uvicorn on a free port, and Debian's Chromium through Playwright."""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from kiosk.config import Config
from kiosk.db import Database
from kiosk.staff import Role, Staff
from kiosk.web.app import create_app
from kiosk.web.server import StaffWebServer
from tests.support import Clock

PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ToneAnnouncer:
    """Writes a real, short WAV per call with the stdlib; the board only needs playable audio."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.calls: list[tuple[str, int, str]] = []

    def call_wav(self, label: str, counter: int, language: str) -> Path:
        self.calls.append((label, counter, language))
        return self._tone(f"{counter}-{language}-{label.encode().hex()}.wav")

    def chime_wav(self) -> Path:
        return self._tone("chime.wav")

    def _tone(self, name: str) -> Path:
        path = self.out_dir / name
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"".join(struct.pack("<h", (i % 16 - 8) * 500) for i in range(800)))
        return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    server: StaffWebServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: FastAPI, *, port: int | None = None, proxy: str | None = None) -> LiveServer:
    port = port or free_port()
    server = StaffWebServer(app, host="127.0.0.1", port=port, proxy=proxy)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


def add_staff(db: Database, config: Config, clock: Clock) -> None:
    staff = Staff(db, config, clock=clock)
    staff.add(username="maria", password=PASSWORD, role=Role.CLERK, counter=1, display_name="Мария")
    staff.add(username="ivan", password=PASSWORD, role=Role.CLERK, counter=2, display_name="Иван")
    staff.add(username="admin", password=PASSWORD, role=Role.ADMIN, display_name="Админ")


@pytest.fixture
def web_app(sqlite_db: Database, config: Config, clock: Clock, tmp_path: Path) -> FastAPI:
    add_staff(sqlite_db, config, clock)
    return create_app(
        config, sqlite_db, clock=clock, announcer=ToneAnnouncer(tmp_path / "wav"), poll_seconds=0.2
    )


@pytest.fixture
def live(web_app: FastAPI) -> Iterator[LiveServer]:
    server = serve(web_app)
    yield server
    server.stop()


def sign_in_http(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the new session's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token[1]}
    )
    assert response.status_code in (200, 303), response.text
    meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/board").text)
    assert meta is not None
    return meta[1]
