"""What a site login may do beyond its tables, tried as a real site login over TCP with SCRAM
on a centre made by `kiosk central init`: refused, or (where PostgreSQL cannot refuse it)
documented and visible to the admin."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from kiosk.cli import main
from kiosk.db import Database
from sync.central import CentralTarget
from sync.job import run_sync
from sync.sites import SiteLogin
from tests.support import fresh_pg_url, upgraded
from tests.sync_data import add_records, new_site_id
from tests.sync_fixtures import CentralServer


@pytest.fixture
def centre(central_server: CentralServer, tmp_path: Path, config, capsys):
    """A centre made by the CLI, where site B has pushed its records: (url, A, B's uuid, out)."""
    url = fresh_pg_url(central_server.admin_url)
    assert main(["central", "init", "--url", url, "--sslmode", "disable"]) == 0
    init_out = capsys.readouterr().out
    a, b = (central_server.add_site(url, new_site_id()) for _ in "ab")
    db = upgraded(f"sqlite:///{tmp_path / 'b.sqlite'}", config)
    add_records(db, site_id=b.site_id, visits=60, rng=random.Random(2))
    assert run_sync(db, central_server.site_target(url, b), batch_size=50, time_budget_s=30).ok
    with db.engine.connect() as conn:
        b_uuid = conn.execute(text("SELECT uuid FROM device_events LIMIT 1")).scalar_one()
    db.dispose()
    return url, a, str(uuid.UUID(str(b_uuid))), init_out


def _target(central_server: CentralServer, url: str, login: SiteLogin, database: str = ""):
    target = central_server.site_target(url, login)
    if database:
        target = CentralTarget(target.url.rsplit("/", 1)[0] + f"/{database}", sslmode="disable")
    return target


PROBES = {
    "SET ROLE to the group": "SET ROLE kiosk_sites",
    "create a large object": "SELECT lo_create(0)",
    "create a large object from bytes": "SELECT lo_from_bytea(0, 'x')",
    "the lock central init waits on": (
        "SELECT pg_advisory_xact_lock(hashtext('kiosk central init'))"
    ),
    "any advisory lock": "SELECT pg_try_advisory_lock(1)",
}


def test_init_says_what_it_took_from_site_logins(centre) -> None:
    *_, init_out = centre
    assert "CONNECT and TEMPORARY on postgres, template1 revoked from PUBLIC" in init_out
    assert "large-object and advisory-lock functions revoked" in init_out


def test_a_site_login_is_refused_beyond_its_tables(central_server: CentralServer, centre) -> None:
    url, a, _, _ = centre
    outcomes = {}
    with _target(central_server, url, a).connect() as conn:
        for what, sql in PROBES.items():
            try:
                conn.execute(sql)
                outcomes[what] = "allowed"
            except psycopg.errors.InsufficientPrivilege:
                outcomes[what] = "refused"
            conn.rollback()
    assert outcomes == dict.fromkeys(PROBES, "refused")
    for database in ("postgres", "template1"):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            _target(central_server, url, a, database).connect()


def test_a_uuid_of_another_site_tells_nothing(central_server: CentralServer, centre) -> None:
    """The centre keys records by site and UUID: another site's UUID is no duplicate here."""
    url, a, b_uuid, _ = centre
    with _target(central_server, url, a).connect() as conn:
        inserted = conn.execute(
            "INSERT INTO device_events (seq, uuid, site_id, created_at, device, status) "
            "VALUES (1, %s, %s, now(), 'printer', 'ok')",
            (b_uuid, a.site_id),
        )
        assert inserted.rowcount == 1
        conn.commit()


def test_what_postgresql_cannot_refuse_is_seen(
    central_server: CentralServer, centre, tmp_path: Path
) -> None:
    """Documented in the README: every login reads pg_roles and may change its own password;
    the change lands in the server's log, which the admin watches."""
    url, a, _, _ = centre
    log = central_server.pgdata / "log"
    before = log.stat().st_size
    with _target(central_server, url, a).connect() as conn:
        roles = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'site%%'").fetchall()
        assert (a.role,) in roles
        conn.execute(f"ALTER ROLE \"{a.role}\" PASSWORD 'chosen-by-the-site'")
        conn.commit()
    with log.open("rb") as f:
        f.seek(before)
        written = f.read().decode()
    assert f'statement: ALTER ROLE "{a.role}" PASSWORD' in written
    # the admin's remedy: a new password from `central add-site`, the site's one gone
    engine = create_engine(url)
    with engine.begin() as conn:
        from sync.sites import add_site

        renewed = add_site(conn, site_id=a.site_id)
    engine.dispose()
    changed = SiteLogin(a.site_id, a.role, "chosen-by-the-site")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _target(central_server, url, changed).connect()
    _target(central_server, url, renewed).connect().close()


def test_site_sync_still_works_after_the_restrictions(
    central_server: CentralServer, centre, tmp_path: Path, config
) -> None:
    url, a, _, _ = centre
    db: Database = upgraded(f"sqlite:///{tmp_path / 'a.sqlite'}", config)
    add_records(db, site_id=a.site_id, visits=5, rng=random.Random(9))
    outcome = run_sync(db, _target(central_server, url, a), batch_size=7, time_budget_s=30)
    db.dispose()
    assert outcome.ok, outcome.error


def test_an_owner_who_is_no_superuser_is_told_what_stays_open_and_may_init_again(
    central_server: CentralServer, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = f"owner_{uuid.uuid4().hex[:8]}"
    admin = create_engine(central_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN NOSUPERUSER CREATEROLE"))
        conn.execute(text(f"CREATE DATABASE {owner} OWNER {owner}"))
    admin.dispose()
    base, _, query = central_server.admin_url.partition("?")
    as_superuser = f"{base.rsplit('/', 1)[0]}/{owner}?{query}".replace("+psycopg", "")
    as_owner = as_superuser.replace("postgres@", f"{owner}@")
    init = ["central", "init", "--sslmode", "disable", "--url"]
    assert main([*init, as_owner]) == 0
    assert "not a superuser: every login may still connect" in capsys.readouterr().out
    assert main([*init, as_superuser]) == 0
    assert "advisory-lock functions revoked" in capsys.readouterr().out
    # the owner keeps the lock that init takes, so it may upgrade the centre without help
    assert main([*init, as_owner]) == 0
