"""The central database's least privilege, tried as real site logins over TCP with SCRAM,
and the `kiosk central` and `kiosk sync` commands."""

from __future__ import annotations

import random
import re
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from kiosk.catalog import shipped_catalog
from kiosk.cli import main
from kiosk.db import Database
from sync.job import run_lock, run_sync
from sync.schema import SCHEMA_VERSION
from sync.sites import SiteLogin
from tests.support import upgraded
from tests.sync_data import add_records, central_digest, digest, new_site_id
from tests.sync_fixtures import CentralServer


def _site(tmp_path: Path, name: str, config) -> Database:
    return upgraded(f"sqlite:///{tmp_path / name}.sqlite", config)


@pytest.fixture
def two_sites(central_server: CentralServer, tmp_path: Path, config):
    """A central database where sites A and B have each pushed their records concurrently."""
    central = central_server.new_central()
    sites = []
    for name in ("a", "b"):
        site_id = new_site_id()
        login = central_server.add_site(central, site_id)
        db = _site(tmp_path, name, config)
        add_records(db, site_id=site_id, visits=60, rng=random.Random(name))
        sites.append((site_id, login, db))
    results: dict[str, object] = {}

    def push(site_id: str, login: SiteLogin, db: Database) -> None:
        target = central_server.site_target(central, login)
        results[site_id] = run_sync(db, target, batch_size=9, time_budget_s=30)

    threads = [threading.Thread(target=push, args=s) for s in sites]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    yield central, sites, results
    for _, _, db in sites:
        db.dispose()


def test_two_sites_push_concurrently_and_each_arrives_whole(two_sites) -> None:
    central, sites, results = two_sites
    for site_id, _, db in sites:
        assert results[site_id].ok, results[site_id].error
        with db.engine.connect() as conn:
            assert central_digest(central, site_id) == digest(conn, site_id=site_id, central=False)


def _connect(central_server: CentralServer, central: str, login: SiteLogin) -> psycopg.Connection:
    return central_server.site_target(central, login).connect()


def test_a_site_sees_and_writes_only_its_own_rows(central_server: CentralServer, two_sites) -> None:
    central, ((a_id, a_login, a_db), (b_id, _, _)), _ = two_sites
    with a_db.engine.connect() as conn:
        own = digest(conn, site_id=a_id, central=False)["tickets"][0]
    with _connect(central_server, central, a_login) as conn:
        seen = conn.execute("SELECT site_id, count(*) FROM tickets GROUP BY site_id").fetchall()
        assert seen == [(a_id, own)]
        conn.commit()
        b_uuid = str(uuid.uuid4())
        attempts = {
            "read other": f"SELECT count(*) FROM ratings WHERE site_id = '{b_id}'",
            "update": "UPDATE tickets SET label = 'X' WHERE true",
            "update other": f"UPDATE tickets SET label = 'X' WHERE site_id = '{b_id}'",
            "delete": "DELETE FROM ratings WHERE true",
            "delete other": f"DELETE FROM ratings WHERE site_id = '{b_id}'",
            "truncate": "TRUNCATE device_events",
            "insert as other": (
                "INSERT INTO device_events (seq, uuid, site_id, created_at, device, status) "
                f"VALUES (1, '{b_uuid}', '{b_id}', now(), 'printer', 'ok')"
            ),
            "forge received_at": (
                "INSERT INTO device_events (seq, uuid, site_id, created_at, device, status, "
                f"received_at) VALUES (1, '{b_uuid}', '{a_id}', now(), 'printer', 'ok', now())"
            ),
            "write catalogue": (
                "INSERT INTO catalog_revisions (revision, source, document) VALUES (99, 'x', 'x')"
            ),
            "change catalogue": "UPDATE catalog_revisions SET source = 'x' WHERE true",
            "delete catalogue": "DELETE FROM catalog_revisions WHERE true",
            "register a site": "INSERT INTO sites (site_id, role_name) VALUES ('x', 'site_x')",
            "temporary table": "CREATE TEMP TABLE t (x int)",
            "new table": "CREATE TABLE public.t (x int)",
            "leave row security": "ALTER TABLE tickets DISABLE ROW LEVEL SECURITY",
            "become the other site": f'SET ROLE "site_{b_id}"',
        }
        outcomes = {}
        for what, sql in attempts.items():
            try:
                result = conn.execute(sql)
                outcomes[what] = f"allowed: {result.rowcount} rows"
            except psycopg.errors.InsufficientPrivilege as exc:
                outcomes[what] = "refused"
                assert exc.sqlstate == "42501"
            conn.rollback()
        # reading another site's rows is not an error: row security hides them all
        assert outcomes.pop("read other") == "allowed: 1 rows"
        assert conn.execute(attempts["read other"]).fetchone() == (0,)
        assert outcomes == dict.fromkeys(outcomes, "refused")
    with _connect(central_server, central, a_login) as conn:
        assert conn.execute("SELECT count(*) FROM catalog_revisions").fetchone() == (0,)


def test_no_role_wrong_password_or_stray_role_is_refused(
    central_server: CentralServer, two_sites
) -> None:
    central, ((_, a_login, _), _), _ = two_sites
    for login in (
        SiteLogin("nobody", "site_nobody", "guess"),
        SiteLogin(a_login.site_id, a_login.role, a_login.password + "x"),
    ):
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            _connect(central_server, central, login)
    # a login role of the same server that is not a site may not even connect
    stray = SiteLogin("stray", f"stray_{uuid.uuid4().hex[:6]}", "pw-" + uuid.uuid4().hex)
    admin = create_engine(central_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {stray.role} LOGIN PASSWORD '{stray.password}'"))
    admin.dispose()
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        _connect(central_server, central, stray)


def test_central_commands(
    central_server: CentralServer, tmp_path: Path, capsys, monkeypatch
) -> None:
    central = central_server.new_central()
    base = ["central"]
    url = central.replace("+psycopg", "")
    assert main([*base, "init", "--url", url, "--sslmode", "disable"]) == 0
    now = f"version {SCHEMA_VERSION} → {SCHEMA_VERSION}"
    assert now in capsys.readouterr().out  # idempotent: already there
    # a centre made by version 1 of the schema, before ticket outcomes, is brought up to date
    owner = create_engine(central)
    with owner.begin() as conn:
        conn.execute(text("DROP TABLE ticket_outcomes"))
        conn.execute(text("UPDATE central_schema SET version = 1"))
    assert main([*base, "init", "--url", url, "--sslmode", "disable"]) == 0
    assert f"version 1 → {SCHEMA_VERSION}" in capsys.readouterr().out
    with owner.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ticket_outcomes")).scalar_one() == 0
    owner.dispose()
    site_id = new_site_id()
    assert main([*base, "add-site", site_id, "--url", url, "--sslmode", "disable"]) == 0
    block = capsys.readouterr().out
    assert f'id = "{site_id}"' in block and 'sslmode = "disable"' in block
    role, password = re.search(r"postgresql\+psycopg://(site_[^:]+):([^@]+)@", block).groups()
    assert role == f"site_{site_id}"
    login = SiteLogin(site_id, role, password)

    catalogue = tmp_path / "catalog.yaml"
    # the site's kiosk.toml, with the central URL given by reference
    data_dir = tmp_path / "var"
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(
        f'[site]\nid = "{site_id}"\n[paths]\ndata_dir = "{data_dir}"\n'
        f'[sync]\ncentral_url = "env:TEST_CENTRAL_URL"\nsslmode = "disable"\nbatch_size = 11\n'
    )
    target = central_server.site_target(central, login)
    monkeypatch.setenv("TEST_CENTRAL_URL", target.url)
    cfg = ["--config", str(config_file)]
    assert main([*cfg, "db", "upgrade"]) == 0
    assert main([*cfg, "catalog", "export", "--out", str(catalogue)]) == 0
    capsys.readouterr()
    assert (
        main([*base, "catalog", "publish", str(catalogue), "--url", url, "--sslmode", "disable"])
        == 0
    )
    published = shipped_catalog().revision + 1  # one above the exported file's own
    assert f"as central revision {published}" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("revision: 1\nservices: []\n")
    assert main([*base, "catalog", "publish", str(bad), "--url", url, "--sslmode", "disable"]) == 1
    assert "not published" in capsys.readouterr().err

    db = Database(f"sqlite:///{data_dir / 'kiosk.sqlite'}")
    add_records(db, site_id=site_id, visits=30, rng=random.Random(3))
    with db.engine.connect() as conn:
        total = sum(n for n, _ in digest(conn, site_id=site_id, central=False).values())
    assert main([*cfg, "sync", "--progress"]) == 0
    out = capsys.readouterr().out
    assert f"{total}/{total}" in out and f"{total} records pushed" in out
    assert f"catalogue revision {published} pulled" in out
    assert main([*cfg, "--json", "sync"]) == 0
    assert '"pushed": {}' in capsys.readouterr().out
    admin = create_engine(central)
    with admin.connect() as conn:
        logged = (
            conn.execute(
                text("SELECT pushed FROM sync_log WHERE site_id = :s ORDER BY finished_at"),
                {"s": site_id},
            )
            .scalars()
            .all()
        )
    admin.dispose()
    assert [sum(p.values()) for p in logged] == [total, 0]
    with run_lock(data_dir):
        assert main([*cfg, "sync"]) == 75
    assert "another sync run" in capsys.readouterr().err
    monkeypatch.setenv("TEST_CENTRAL_URL", target.url.replace(password, "wrong"))
    assert main([*cfg, "sync"]) == 1
    assert "password authentication failed" in capsys.readouterr().out
    db.dispose()
