"""The doctor's check of the central server: reachable, its TLS certificate, this site's login.

libpq says only that a connection failed; the doctor also says where. It opens the TCP
connection itself, asks for TLS as libpq does (PostgreSQL's SSLRequest, then a handshake
with the site's CA, the host name checked under verify-full) to read the certificate's
expiry, then logs in with the site's URL and reads the centre's clock.
"""

from __future__ import annotations

import datetime as dt
import math
import socket
import ssl
import struct

import psycopg
from sqlalchemy.engine import make_url

from kiosk.checks import CheckName, Finding, Seconds, Status, When
from kiosk.config import Config
from kiosk.models import utcnow
from sync.central import CentralNotConfigured, CentralTarget
from sync.job import clock_skew

SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # PostgreSQL's "let us speak TLS"
VERIFYING = ("verify-ca", "verify-full")
DEFAULT_PORT = 5432


def _f(status: Status, code: str, **params: object) -> Finding:
    return Finding(CheckName.CENTRAL, status, code, params)


def central_check(config: Config, *, timeout_s: float) -> list[Finding]:
    try:
        target = CentralTarget.from_config(config)
    except CentralNotConfigured:
        return [_f(Status.WARNING, "central_not_configured")]
    url = make_url(target.url)
    host, port = url.host, url.port or DEFAULT_PORT
    found: list[Finding] = []
    if host and not host.startswith("/"):  # over TCP (a unix socket needs no network check)
        try:
            with socket.create_connection((host, port), timeout=timeout_s) as sock:
                if target.sslmode != "disable":
                    found.append(_tls(sock, target, host, config))
        except OSError as exc:
            error = exc.strerror or str(exc) or type(exc).__name__
            return [_f(Status.FAILURE, "central_unreachable", host=host, port=port, error=error)]
        if found and found[-1].status is Status.FAILURE:
            return found
    if target.sslmode == "disable":
        found.append(_f(Status.WARNING, "central_unverified", mode=target.sslmode))
    try:
        with target.connect(timeout_s=max(1, math.floor(timeout_s))) as central:
            skew, _ = clock_skew(central, utcnow)
    except psycopg.OperationalError as exc:
        error = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if "authentication" in str(exc) or "password" in str(exc) or "role" in str(exc):
            code = "central_login_refused"
        else:
            code = "central_unreachable"
        return [
            *found,
            _f(Status.FAILURE, code, host=host or "?", port=port, site=config.site_id, error=error),
        ]
    found.append(_f(Status.OK, "central_ok", url=target.safe_url, skew=Seconds(skew)))
    return found


def _tls(sock: socket.socket, target: CentralTarget, host: str, config: Config) -> Finding:
    """Ask for TLS on the open connection; the certificate's verdict and expiry."""
    sock.sendall(SSL_REQUEST)
    answer = sock.recv(1)
    if answer != b"S":
        status = Status.WARNING if target.sslmode in ("allow", "prefer") else Status.FAILURE
        return _f(status, "central_no_tls", host=host, mode=target.sslmode)
    if target.sslmode not in VERIFYING:
        return _f(Status.WARNING, "central_unverified", mode=target.sslmode)
    try:
        context = ssl.create_default_context(cafile=target.sslrootcert or None)
        context.check_hostname = target.sslmode == "verify-full"
        with context.wrap_socket(sock, server_hostname=host) as tls:
            cert = tls.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        return _f(Status.FAILURE, "central_cert_invalid", host=host, error=exc.verify_message)
    except (ssl.SSLError, OSError) as exc:
        return _f(Status.FAILURE, "central_cert_invalid", host=host, error=str(exc))
    expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), dt.UTC)
    left = expires - utcnow()
    date = When.local(expires, config.tz)
    if left <= dt.timedelta(0):
        return _f(Status.FAILURE, "central_cert_expired", host=host, date=date)
    if left <= dt.timedelta(days=config.doctor.cert_warn_days):
        return _f(Status.WARNING, "central_cert_expiring", host=host, date=date, days=left.days)
    return _f(Status.OK, "central_cert_ok", host=host, date=date)
