"""Connections to the central database, with the TLS settings of the site's config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError


class CentralNotConfigured(KioskError):
    """The site's config gives no central URL (or its secret reference resolves to nothing)."""

    code = "central_not_configured"
    status = 409


@dataclass(frozen=True)
class CentralTarget:
    url: str
    sslmode: str = "verify-full"
    sslrootcert: str = ""

    @classmethod
    def from_config(cls, config: Config) -> CentralTarget:
        url = config.secret("sync.central_url")
        if not url:
            raise CentralNotConfigured(
                f"sync.central_url ({config.sync.central_url}) gives no URL: "
                "set the variable or file it refers to"
            )
        return cls(url=url, sslmode=config.sync.sslmode, sslrootcert=config.sync.sslrootcert)

    @property
    def _ssl(self) -> dict[str, str]:
        ssl = {"sslmode": self.sslmode}
        if self.sslrootcert:
            ssl["sslrootcert"] = self.sslrootcert
        return ssl

    @property
    def libpq_url(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def connect(self, *, timeout_s: int = 15) -> psycopg.Connection:
        # keepalives so a link that dies silently at night fails the batch instead of hanging;
        # UTC, the zone of the naive timestamps a SQLite site sends as text
        return psycopg.connect(
            self.libpq_url,
            application_name="kiosk-sync",
            connect_timeout=timeout_s,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
            options="-c TimeZone=UTC",
            **self._ssl,
        )

    def database(self) -> Database:
        """The centre as a `Database`, for what reads it the way it reads a site (reports)."""
        url = make_url(self.url).set(drivername="postgresql+psycopg").update_query_dict(self._ssl)
        return Database(url.render_as_string(hide_password=False))

    @contextmanager
    def checked_database(self) -> Iterator[Database]:
        """The centre as a `Database` once its schema is the one this code knows (else
        sync.schema.CentralSchemaError), disposed of afterwards: what every long-running or
        account command at the centre opens first."""
        from sync.schema import require_schema

        db = self.database()
        try:
            with db.engine.connect() as conn:
                require_schema(conn)
            yield db
        finally:
            db.dispose()

    def engine(self, *, timeout_s: int | None = None) -> Engine:
        """`timeout_s`: give up connecting after so long (a loop that retries on its own)."""
        url = make_url(self.url).set(drivername="postgresql+psycopg")
        connect: dict[str, str | int] = {**self._ssl}
        if timeout_s is not None:
            connect["connect_timeout"] = timeout_s
        return create_engine(url, connect_args=connect, pool_pre_ping=True)

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)
