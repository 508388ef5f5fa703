"""The centre's housekeeping (issue #16): each site's register prefix is its own, the sites'
status reports are kept to a bounded history, and a centre at schema 5 is brought to 6 with
the handovers it knew kept as they were (a real PostgreSQL, the sites' real logins)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb
from sqlalchemy import create_engine, text

from kiosk.cli import main
from kiosk.models import utcnow
from sync.central import CentralTarget
from sync.handling import handling
from sync.schema import SCHEMA_VERSION, STATUS_HISTORY, init_central
from tests.central_web_fixtures import Centre
from tests.register_centre_fixtures import village
from tests.sync_data import new_site_id
from tests.sync_fixtures import CentralServer


def test_add_site_refuses_a_register_prefix_another_site_uses(
    central_server: CentralServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = central_server.new_central().replace("+psycopg", "")
    first, second = new_site_id(), new_site_id()
    base = ["central", "add-site", "--url", url, "--sslmode", "disable"]
    assert main([*base, first, "--register-prefix", "ШВ"]) == 0
    assert 'register_prefix = "ШВ"' in capsys.readouterr().out
    # the same letters in another case read alike on a letter: refused too
    assert main([*base, second, "--register-prefix", "шв"]) == 2
    err = capsys.readouterr().err
    assert f"the register prefix 'шв' is site {first}'s" in err
    assert "site_" + second not in _roles(url)  # nothing made for the refused site
    assert main([*base, second, "--register-prefix", "ТВ-1"]) == 1  # a dash parts the number
    assert "letters or digits" in capsys.readouterr().err
    assert main([*base, second, "--register-prefix", "ТВ"]) == 0
    # a new password for a site keeps its own prefix, and may name it again
    assert main([*base, first, "--register-prefix", "ШВ"]) == 0
    assert main([*base, first]) == 0
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        prefixes = dict(conn.execute(text("SELECT site_id, register_prefix FROM sites")).all())
    engine.dispose()
    assert (prefixes[first], prefixes[second]) == ("ШВ", "ТВ")


def _roles(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r for (r,) in conn.execute("SELECT rolname FROM pg_roles")}


def test_each_sites_status_is_kept_to_its_newest_reports(centre: Centre, tmp_path: Path) -> None:
    """The trigger prunes at each report's arrival, as a push appends one."""
    site = village(centre, tmp_path)
    other = village(centre, tmp_path, "centre")
    start = utcnow() - dt.timedelta(days=30)
    insert = "INSERT INTO site_status (site_id, reported_at, status) VALUES (%s, %s, %s)"
    # a site that synced every few minutes for a month, as its own login sends it
    with psycopg.connect(site.target.libpq_url) as conn, conn.cursor() as cur:
        cur.executemany(
            insert,
            [
                ("shivachevo", start + dt.timedelta(minutes=5 * i), Jsonb({"n": i}))
                for i in range(STATUS_HISTORY + 20)
            ],
        )
    with psycopg.connect(other.target.libpq_url) as conn:
        for i in range(3):
            conn.execute(insert, ("centre", start + dt.timedelta(minutes=i), Jsonb({"n": i})))
    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:

        def kept(site_id: str) -> tuple[int, dt.datetime]:
            return conn.execute(
                text("SELECT count(*), min(reported_at) FROM site_status WHERE site_id = :s"),
                {"s": site_id},
            ).one()

        count, oldest = kept("shivachevo")
        newest_sent = conn.execute(
            text(
                "SELECT status FROM site_status WHERE site_id = 'shivachevo' "
                "ORDER BY reported_at DESC LIMIT 1"
            )
        ).scalar_one()
        others = kept("centre")[0]
    engine.dispose()
    assert count == STATUS_HISTORY
    # the oldest twenty went: the newest report, the one the sites page shows, stays
    assert oldest == start + dt.timedelta(minutes=5 * 20)
    assert newest_sent == {"n": STATUS_HISTORY + 19}
    assert others == 3  # another site's reports are pruned by its own only


def test_a_centre_at_schema_5_keeps_its_handovers_at_6(
    central_server: CentralServer, tmp_path: Path
) -> None:
    url = central_server.new_central()
    site = new_site_id()
    central_server.add_site(url, site)
    handed = utcnow() - dt.timedelta(days=2)
    engine = create_engine(url)
    with engine.begin() as conn:  # what a schema 5 centre held
        conn.execute(text("DROP TRIGGER prune_site_status ON site_status"))
        for policy in ("centre_steps", "site_handles"):  # schema 5's read no version
            conn.execute(text(f"DROP POLICY {policy} ON message_events"))
        for table, column in (
            ("site_settings", "version"),
            ("site_settings", "forced"),
            ("sync_log", "settings_version"),
            ("sites", "register_prefix"),
        ):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("UPDATE central_schema SET version = 5"))
        conn.execute(
            text(
                "INSERT INTO site_settings (site_id, handled_at, updated_at, updated_by) "
                "VALUES (:s, 'centre', :at, 'secretary')"
            ),
            {"s": site, "at": handed},
        )
        for received in (handed - dt.timedelta(hours=1), handed + dt.timedelta(hours=1)):
            conn.execute(
                text(
                    "INSERT INTO sync_log (site_id, started_at, finished_at, pushed, "
                    "received_at) VALUES (:s, :at, :at, '{}', :at)"
                ),
                {"s": site, "at": received},
            )
        conn.execute(
            text(
                "INSERT INTO site_status (site_id, reported_at, status) SELECT :s, "
                ":at + n * interval '1 minute', '{}' FROM generate_series(1, :n) n"
            ),
            {"s": site, "at": handed, "n": STATUS_HISTORY + 7},
        )
    with engine.begin() as conn:
        assert init_central(conn) == (5, SCHEMA_VERSION)
    with engine.connect() as conn:
        version = conn.execute(
            text("SELECT version FROM site_settings WHERE site_id = :s"), {"s": site}
        ).scalar_one()
        seen = (
            conn.execute(
                text(
                    "SELECT settings_version FROM sync_log WHERE site_id = :s ORDER BY received_at"
                ),
                {"s": site},
            )
            .scalars()
            .all()
        )
        statuses = conn.execute(
            text("SELECT count(*) FROM site_status WHERE site_id = :s"), {"s": site}
        ).scalar_one()
    # the handover was learned by the run logged after it, by the old rule's reading
    assert (version, seen) == (1, [0, 1])
    assert statuses == STATUS_HISTORY
    db = CentralTarget(url=url, sslmode="disable").database()
    try:
        [row] = handling(db, [site])
    finally:
        db.dispose()
    assert not row.pending
    with engine.begin() as conn:
        assert init_central(conn) == (SCHEMA_VERSION, SCHEMA_VERSION)
    engine.dispose()
