"""What the centre's web login and a site login may do on the central database, tried as real
logins over TCP with SCRAM: the web reads every site and appends its log of views, and is
refused everything else; a site still sees only its own rows and none of the centre's tables."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sync.privileges import restrict_sites
from sync.schema import RECORDS, centre_views, site_settings, site_status
from tests.central_web_fixtures import Centre

Refused = psycopg.errors.InsufficientPrivilege


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def web(centre: Centre) -> Iterator[psycopg.Connection]:
    """The web's login, on a centre that `kiosk central init` ran on as a superuser."""
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        restrict_sites(conn)
    engine.dispose()
    with psycopg.connect(_libpq(centre.web_url)) as conn:
        yield conn


def _outcomes(conn: psycopg.Connection, probes: dict[str, str]) -> dict[str, str]:
    """Each statement in its own transaction: "refused" (no privilege) or "allowed"."""
    outcomes = {}
    for what, sql in probes.items():
        try:
            conn.execute(sql)
            outcomes[what] = "allowed"
        except Refused:
            outcomes[what] = "refused"
        conn.rollback()
    return outcomes


def test_the_web_login_is_refused_what_it_must_not_do(centre: Centre, web) -> None:
    site = centre.sites["shivachevo"]
    probes = {
        "read the password hashes": "SELECT rolname, rolpassword FROM pg_authid",
        "read pg_shadow": "SELECT usename, passwd FROM pg_shadow",
        "create a table": "CREATE TABLE mine (x int)",
        "create a temporary table": "CREATE TEMP TABLE mine (x int)",
        "create a schema": "CREATE SCHEMA mine",
        "drop a policy": "DROP POLICY own_site ON tickets",
        "alter a policy": "ALTER POLICY centre_reads ON tickets USING (false)",
        "lift row security": "ALTER TABLE tickets DISABLE ROW LEVEL SECURITY",
        "SET ROLE to the sites' group": "SET ROLE kiosk_sites",
        "SET ROLE to a site": f"SET ROLE {site.role}",
        "take the lock central init waits on": (
            "SELECT pg_advisory_xact_lock(hashtext('kiosk central init'))"
        ),
        "make a large object": "SELECT lo_create(0)",
        "change who logs in": "CREATE ROLE intruder LOGIN",
    }
    for table in (t.name for t in (*RECORDS, site_status)):
        probes[f"TRUNCATE {table}"] = f"TRUNCATE {table}"
        probes[f"DELETE {table}"] = f"DELETE FROM {table}"
        probes[f"UPDATE {table}"] = f"UPDATE {table} SET site_id = site_id"
    assert _outcomes(web, probes) == dict.fromkeys(probes, "refused")
    for database in ("postgres", "template1"):
        other = make_url(_libpq(centre.web_url)).set(database=database)
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(other.render_as_string(hide_password=False)).close()


def test_the_web_appends_and_reads_its_log_of_views_but_never_rewrites_it(
    centre: Centre, web
) -> None:
    web.execute(
        "INSERT INTO centre_views (viewed_at, username, method, path, status) "
        "VALUES (now(), 'secretary', 'GET', '/sites', 200)"
    )
    web.commit()
    assert web.execute("SELECT username, path FROM centre_views").fetchall() == [
        ("secretary", "/sites")
    ]
    probes = {
        "UPDATE": "UPDATE centre_views SET username = 'someone else'",
        "DELETE": "DELETE FROM centre_views",
        "TRUNCATE": "TRUNCATE centre_views",
        "its own id": (
            "INSERT INTO centre_views (id, viewed_at, username, method, path, status) "
            "VALUES (gen_random_uuid(), now(), 'x', 'GET', '/', 200)"
        ),
    }
    assert _outcomes(web, probes) == dict.fromkeys(probes, "refused")
    assert web.execute("SELECT count(*) FROM centre_views").fetchone() == (1,)


def test_the_web_reads_every_site_and_sets_who_handles_them(centre: Centre, web) -> None:
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        for site_id in centre.sites:
            conn.execute(
                site_status.insert().values(
                    site_id=site_id, reported_at=dt.datetime.now(dt.UTC), status={"ok": True}
                )
            )
    engine.dispose()
    seen = web.execute("SELECT site_id FROM site_status ORDER BY site_id").fetchall()
    assert seen == [("centre",), ("shivachevo",)]
    web.execute("INSERT INTO site_settings (site_id, handled_at) VALUES ('shivachevo', 'centre')")
    web.commit()


def test_a_site_login_sees_its_own_rows_and_none_of_the_centres_tables(centre: Centre) -> None:
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        for site_id in centre.sites:
            conn.execute(site_settings.insert().values(site_id=site_id, handled_at="centre"))
            conn.execute(
                site_status.insert().values(
                    site_id=site_id, reported_at=dt.datetime.now(dt.UTC), status={}
                )
            )
            conn.execute(
                text(
                    "INSERT INTO device_events (seq, uuid, site_id, created_at, device, status) "
                    "VALUES (1, :u, :s, now(), 'printer', 'ok')"
                ),
                {"u": uuid.uuid4(), "s": site_id},
            )
        conn.execute(
            centre_views.insert().values(
                viewed_at=dt.datetime.now(dt.UTC),
                username="secretary",
                method="GET",
                path="/sites",
                status=200,
            )
        )
    engine.dispose()
    login = centre.sites["shivachevo"]
    target = centre.server.site_target(centre.admin_url, login)
    with target.connect() as conn:
        for table in ("site_settings", "site_status", "device_events", "sync_log"):
            sites = {r[0] for r in conn.execute(f"SELECT site_id FROM {table}")}
            assert sites <= {"shivachevo"}, table
        assert conn.execute("SELECT count(*) FROM site_settings").fetchone() == (1,)
        probes = {
            table: f"SELECT * FROM {table}"
            for table in ("staff_users", "staff_sessions", "sign_in_attempts", "centre_views")
        }
        probes["write its own handling"] = "UPDATE site_settings SET handled_at = 'site'"
        probes["log a view"] = (
            "INSERT INTO centre_views (viewed_at, username, method, path, status) "
            "VALUES (now(), 'x', 'GET', '/', 200)"
        )
        assert _outcomes(conn, probes) == dict.fromkeys(probes, "refused")
