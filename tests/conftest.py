"""Shared fixtures: a site database on a real SQLite file and on a real PostgreSQL.

The fixtures of each part live in a module of their own and are registered here, once, for
every test: a test asks for `central_server`, `live` or `app` by name and imports nothing to
get them (importing a fixture into a test module would make it a second fixture of its own).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.db import Database
from tests.support import Clock, fresh_pg_url, make_config, upgraded

pytest_plugins = (
    "tests.screens_fixtures",
    "tests.sync_fixtures",
    "tests.tls_fixtures",
    "tests.web_fixtures",
    "tests.central_web_fixtures",
    "tests.browser_fixtures",
    "tests.booking_fixtures",
)

# pgserver's platformdirs wants a runtime dir; CI's environment has none.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL started from the pgserver wheel, once per test session."""
    import pgserver

    # Outside pytest's temp tree: pgserver opens its folders to its own user, and another
    # pytest on the same machine resetting /tmp/pytest-of-root would lock it out.
    pgdata = Path(tempfile.mkdtemp(prefix="kiosk-pgdata-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


@pytest.fixture
def sqlite_db(tmp_path: Path, config: Config) -> Iterator[Database]:
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_server: str, config: Config) -> Iterator[Database]:
    db = upgraded(fresh_pg_url(pg_server), config)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on the SQLite file and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param.replace('postgresql', 'pg')}_db")
