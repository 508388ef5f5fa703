"""Damaged or misconfigured sites say what is wrong: a damaged site file (one line, exit 5,
checked before a push), TLS that does not match (final at once; a network error retried),
and `central add-site` writing the sslmode it was given."""

from __future__ import annotations

import random
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import EXIT_DAMAGED, main
from kiosk.db import Database
from sync.central import CentralTarget
from sync.job import run_sync
from tests.support import loaded_heavy_modules
from tests.sync_data import add_records, central_digest, new_site_id
from tests.sync_fixtures import CentralServer
from tests.tls_fixtures import TlsServer


def _site_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site_id: str, url: str) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{tmp_path / "var"}"\n'
        '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\ntime_budget_s = 10\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TEST_CENTRAL_URL", url)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    return config


@pytest.fixture
def site(central_server: CentralServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A registered site with a few hundred records not yet pushed: (config, db, id, centre)."""
    central = central_server.new_central()
    site_id = new_site_id()
    login = central_server.add_site(central, site_id)
    config = _site_config(
        tmp_path, monkeypatch, site_id, central_server.site_target(central, login).url
    )
    db = Database(f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}")
    add_records(db, site_id=site_id, visits=80, rng=random.Random(5))
    db.dispose()
    yield config, tmp_path / "var" / "kiosk.sqlite", site_id, central


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


@pytest.mark.parametrize(
    "argv", [["sync"], ["queue", "status"], ["db", "status"], ["register", "list"]]
)
def test_a_site_file_cut_short_is_one_line_and_exit_5(
    site, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, path, site_id, central = site
    path.with_name("kiosk.sqlite-wal").unlink(missing_ok=True)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    assert main(["--config", str(config), *argv]) == EXIT_DAMAGED
    line = _one_line(capsys)
    assert line.startswith(f"kiosk: the database sqlite:///{path} is damaged: ")
    assert "README: Damaged site database" in line
    assert sum(n for n, _ in central_digest(central, site_id).values()) == 0


def test_damage_the_push_would_not_read_stops_the_sync_before_it_pushes(
    site, capsys: pytest.CaptureFixture[str]
) -> None:
    config, path, site_id, central = site
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # an index of the local queue projection, which never leaves the site
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'ix_queue_state_counter_number'"
    ).fetchone()
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\x0a" + b"\xff" * 64)  # a leaf whose header points past the page
    probe = sqlite3.connect(path)
    assert probe.execute("SELECT count(*) FROM tickets").fetchone()[0] > 0  # still reads
    probe.close()
    assert main(["--config", str(config), "sync"]) == EXIT_DAMAGED
    line = _one_line(capsys)
    assert "is damaged: PRAGMA quick_check found" in line and f"Page {root}" in line
    assert sum(n for n, _ in central_digest(central, site_id).values()) == 0


class Garbage:
    """A TCP listener that answers every request with an HTTP error, as a wrong port would."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with client:
                client.recv(1024)
                client.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


@pytest.fixture
def garbage() -> Iterator[Garbage]:
    g = Garbage()
    yield g
    g.listener.close()


def _sync_once(db: Database, target: CentralTarget) -> tuple[object, list[float]]:
    slept: list[float] = []
    outcome = run_sync(db, target, batch_size=50, time_budget_s=600, sleep=slept.append)
    return outcome, slept


def test_tls_that_does_not_match_fails_at_once(
    sqlite_db: Database, central_server: CentralServer, tls_server: TlsServer, garbage: Garbage
) -> None:
    # the control: with its own CA and name the TLS server is reached (and asks for SCRAM)
    good = CentralTarget(tls_server.url(), sslmode="verify-full", sslrootcert=str(tls_server.ca))
    with good.connect() as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    no_tls = f"postgresql://x:y@127.0.0.1:{central_server.port}/postgres"
    cases = {
        "server without TLS": (
            CentralTarget(no_tls, sslmode="require"),
            "server does not support SSL, but SSL was required",
        ),
        "certificate of another CA": (
            CentralTarget(
                tls_server.url(), sslmode="verify-full", sslrootcert=str(tls_server.other_ca)
            ),
            "certificate verify failed",
        ),
        "certificate for another host": (
            CentralTarget(
                tls_server.url("localhost"), sslmode="verify-full", sslrootcert=str(tls_server.ca)
            ),
            'does not match host name "localhost"',
        ),
        "no CA file": (
            CentralTarget(tls_server.url(), sslmode="verify-full", sslrootcert="/nonexistent.pem"),
            'root certificate file "/nonexistent.pem" does not exist',
        ),
        "an answer that is not PostgreSQL's": (
            CentralTarget(f"postgresql://x:y@127.0.0.1:{garbage.port}/db", sslmode="require"),
            "SSL negotiation",
        ),
        "TLS asked of nothing": (  # sslmode disable, the server only takes TLS
            CentralTarget(tls_server.url(), sslmode="disable"),
            "no pg_hba.conf entry",
        ),
    }
    for what, (target, words) in cases.items():
        outcome, slept = _sync_once(sqlite_db, target)
        assert not outcome.ok, what
        assert words in outcome.error, (what, outcome.error)
        assert (outcome.attempts, slept) == (1, []), what


def test_a_network_error_is_retried(sqlite_db: Database) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        closed = s.getsockname()[1]
    target = CentralTarget(f"postgresql://x:y@127.0.0.1:{closed}/db", sslmode="disable")
    slept: list[float] = []
    outcome = run_sync(
        sqlite_db, target, batch_size=50, time_budget_s=3, first_delay_s=0.5, sleep=slept.append
    )
    assert not outcome.ok and "Connection refused" in outcome.error
    assert outcome.attempts == len(slept) + 1 >= 3


@pytest.mark.parametrize("sslmode", ["verify-full", "verify-ca", "require", "disable"])
def test_add_site_writes_the_sslmode_it_was_given(
    central_server: CentralServer, sslmode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = central_server.new_central().replace("+psycopg", "")
    # the admin's own connection goes over the local socket, where libpq ignores sslmode
    assert main(["central", "add-site", new_site_id(), "--url", url, "--sslmode", sslmode]) == 0
    block = capsys.readouterr().out
    assert f'\nsslmode = "{sslmode}"\n' in block
    assert ("sslrootcert = " in block) == sslmode.startswith("verify")
    assert ('production uses "verify-full"' in block) == (sslmode != "verify-full")


def test_a_nightly_sync_imports_no_heavy_library(site) -> None:
    config, _, site_id, central = site
    assert loaded_heavy_modules("--config", str(config), "sync") == set()
    assert sum(n for n, _ in central_digest(central, site_id).values()) > 0  # it did push
