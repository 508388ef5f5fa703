"""A PostgreSQL that speaks TLS: Debian's server (pgserver's build has no TLS support) with a
certificate for 127.0.0.1 signed by a CA made here by openssl, reachable only over TLS."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class TlsServer:
    port: int
    password: str
    ca: Path  # the CA that signed the server's certificate
    other_ca: Path  # a CA that signed nothing of this server's

    def url(self, host: str = "127.0.0.1") -> str:
        return f"postgresql://postgres:{self.password}@{host}:{self.port}/postgres"


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_certificates(folder: Path) -> None:
    """ca.crt and other-ca.crt, and server.crt/server.key for IP 127.0.0.1 signed by ca."""
    for name in ("ca", "other-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                 f"/CN=kiosk test {name}", "-keyout", folder / f"{name}.key",
                 "-out", folder / f"{name}.crt")  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", folder / "server.key", "-out", folder / "server.csr")  # fmt: skip
    (folder / "san").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", folder / "server.csr", "-CA", folder / "ca.crt",
             "-CAkey", folder / "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", folder / "san", "-out", folder / "server.crt")  # fmt: skip


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tls_server() -> Iterator[TlsServer]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or not shutil.which("openssl"):
        pytest.skip("needs Debian's postgresql and openssl (.ci/run installs them)")
    bindir = Path(found[-1]).parent
    home = Path(tempfile.mkdtemp(prefix="kiosk-tls-"))
    home.chmod(0o755)
    # postgres refuses to run as root: then it runs as Debian's postgres user
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    make_certificates(home)
    password = secrets.token_urlsafe(12)
    (home / "pw").write_text(password)
    if as_user:
        for path in (home, *home.iterdir()):
            shutil.chown(path, "postgres")
    (home / "server.key").chmod(0o600)
    pgdata = home / "pgdata"

    def run(*args: str | Path) -> None:
        subprocess.run([*as_user, *map(str, args)], check=True, capture_output=True)

    run(bindir / "initdb", "-D", pgdata, "-U", "postgres", "--pwfile", home / "pw",
        "--auth-local", "trust", "--auth-host", "scram-sha-256", "-E", "UTF8")  # fmt: skip
    # TCP only with TLS: a client that does not ask for it finds no pg_hba.conf line
    (pgdata / "pg_hba.conf").write_text(
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
    )
    port = _free_port()
    options = (
        f"-h 127.0.0.1 -p {port} -k {home} -c ssl=on "
        f"-c ssl_cert_file={home / 'server.crt'} -c ssl_key_file={home / 'server.key'}"
    )
    run(bindir / "pg_ctl", "-D", pgdata, "-w", "-o", options, "-l", home / "log", "start")
    yield TlsServer(port, password, home / "ca.crt", home / "other-ca.crt")
    run(bindir / "pg_ctl", "-D", pgdata, "-m", "immediate", "stop")
    shutil.rmtree(home, ignore_errors=True)
