"""A central PostgreSQL like production's (TCP, SCRAM passwords) and a link that can be cut."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from kiosk.cli import main
from kiosk.db import Database
from sync.central import CentralTarget
from sync.schema import init_central
from sync.sites import SiteLogin, add_site
from tests.support import fresh_pg_url


class CentralServer:
    """A pgserver cluster restarted to listen on 127.0.0.1 with SCRAM for everyone but the
    local admin, who keeps the unix socket."""

    def __init__(self, pgdata: Path) -> None:
        import pgserver
        from pgserver._commands import pg_ctl
        from pgserver.utils import find_suitable_port

        self._pg_ctl = pg_ctl
        self.server = pgserver.get_server(pgdata, cleanup_mode=None)
        self.pgdata = pgdata
        socket_dir = self.server.get_postmaster_info().socket_dir
        self.port = find_suitable_port("127.0.0.1")
        self.admin_url = (
            f"postgresql+psycopg://postgres@/postgres?host={socket_dir}&port={self.port}"
        )
        (pgdata / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )
        self.ctl(["-w", "-m", "fast", "stop"])
        self.ctl(
            [
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {socket_dir}",
                "-l",
                str(pgdata / "log"),
                "start",
            ]
        )

    def ctl(self, args: list[str]) -> None:
        self._pg_ctl(args, pgdata=self.pgdata, user=self.server.system_user, timeout=30)

    def stop(self, how: signal.Signals = signal.SIGINT) -> None:
        """Shut down by signal: SIGINT fast, SIGQUIT immediate (for data about to be deleted)."""
        pidfile = self.pgdata / "postmaster.pid"
        os.kill(int(pidfile.read_text().split()[0]), how)
        # the postmaster removes its pid file last (its zombie may outlive it: PID 1 may not reap)
        for _ in range(400):
            if not pidfile.exists():
                return
            time.sleep(0.025)

    def restart(self) -> None:
        self.ctl(["-w", "-m", "fast", "restart"])

    def new_central(self) -> str:
        """A fresh central database with the schema; returns its admin URL."""
        url = fresh_pg_url(self.admin_url)
        engine = create_engine(url)
        with engine.begin() as conn:
            init_central(conn)
        engine.dispose()
        return url

    def add_site(self, central_url: str, site_id: str) -> SiteLogin:
        engine = create_engine(central_url)
        with engine.begin() as conn:
            login = add_site(conn, site_id=site_id)
        engine.dispose()
        return login

    def site_target(
        self, central_url: str, login: SiteLogin, *, port: int | None = None
    ) -> CentralTarget:
        database = make_url(central_url).database
        return CentralTarget(
            url=f"postgresql://{login.role}:{login.password}@127.0.0.1:{port or self.port}/{database}",
            sslmode="disable",
        )


class CuttingProxy:
    """A TCP relay that drops the next connection after `cut_after` bytes (both ways), once
    `spare` connections have passed uncut."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_after: int | None = None
        self.spare = 0
        self.cuts = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                if self.spare and self.cut_after is not None:
                    budget, self.spare = None, self.spare - 1
                else:
                    budget, self.cut_after = self.cut_after, None
            state = {"left": budget}
            for a, b in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(a, b, client, server, state), daemon=True
                ).start()

    def _pump(
        self,
        src: socket.socket,
        dst: socket.socket,
        client: socket.socket,
        server: socket.socket,
        state: dict,
    ) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    left = state["left"]
                    if left is not None:
                        if len(data) >= left:
                            dst.sendall(data[:left])
                            state["left"] = 0
                            self.cuts += 1
                            raise ConnectionAbortedError
                        state["left"] = left - len(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (client, server):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="session")
def central_server() -> Iterator[CentralServer]:
    # not under pytest's basetemp: a concurrent pytest resets that tree to 0700, which would
    # lock out the unprivileged user postgres runs as
    home = Path(tempfile.mkdtemp(prefix="kiosk-central-"))
    home.chmod(0o755)
    server = CentralServer(home / "pgdata")
    yield server
    server.stop(signal.SIGQUIT)
    shutil.rmtree(home, ignore_errors=True)


@dataclass(frozen=True)
class CliSite:
    """A site as `kiosk` commands see it: a kiosk.toml whose central URL is read from
    `TEST_CENTRAL_URL`, and its upgraded SQLite file."""

    site_id: str
    args: list[str]  # ["--config", <kiosk.toml>], to put before a command
    central_url: str  # the site login's URL, to give as TEST_CENTRAL_URL
    db: Database


def cli_site(
    server: CentralServer, central: str, site_id: str, folder: Path, *, batch_size: int = 7
) -> CliSite:
    login = server.add_site(central, site_id)
    config_file = folder / "kiosk.toml"
    config_file.write_text(
        f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{folder / "var"}"\n'
        '[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\n'
        f"batch_size = {batch_size}\n"
    )
    args = ["--config", str(config_file)]
    assert main([*args, "db", "upgrade"]) == 0
    return CliSite(
        site_id=site_id,
        args=args,
        central_url=server.site_target(central, login).url,
        db=Database(f"sqlite:///{folder / 'var' / 'kiosk.sqlite'}"),
    )
