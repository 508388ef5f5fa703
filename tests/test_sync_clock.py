"""A site whose clock is a year ahead: the centre records the skew it sees at each sync, the
push refuses to send records that would fall outside every report, and the run says so."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text

from kiosk.cli import main
from kiosk.db import Database
from kiosk.models import SyncRun, utcnow
from sync.job import ClockAhead, run_sync
from tests.support import Clock
from tests.sync_data import add_records, central_digest, local_digest, new_site_id
from tests.sync_fixtures import CentralServer, cli_site

YEAR = dt.timedelta(days=365)


def _log(central: str, site: str) -> list[tuple]:
    engine = create_engine(central)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT clock_skew_s, pushed, held FROM sync_log WHERE site_id = :s "
                "ORDER BY received_at"
            ),
            {"s": site},
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_site_clock_a_year_ahead_pushes_nothing_and_is_logged(
    central_server: CentralServer, sqlite_db: Database
) -> None:
    central = central_server.new_central()
    site = new_site_id()
    target = central_server.site_target(central, central_server.add_site(central, site))
    add_records(sqlite_db, site_id=site, visits=10, rng=random.Random(41))
    ahead = Clock(utcnow() + YEAR)
    outcome = run_sync(
        sqlite_db,
        target,
        batch_size=9,
        time_budget_s=30,
        site_id=site,
        clock_tolerance_s=600,
        clock=ahead,
    )
    assert not outcome.ok and outcome.code == ClockAhead.code and outcome.attempts == 1
    assert "365 days ahead of the centre's" in outcome.error and outcome.pushed == {}
    assert abs(outcome.clock_skew_s - YEAR.total_seconds()) < 60
    assert all(n == 0 for n, _ in central_digest(central, site).values())
    [(skew, pushed, held)] = _log(central, site)
    assert abs(skew - YEAR.total_seconds()) < 60 and pushed == {}
    assert "ahead of the centre's" in held[0]
    # the clock set right: everything goes, and the centre notes a skew of about nothing
    outcome = run_sync(
        sqlite_db, target, batch_size=9, time_budget_s=30, site_id=site, clock_tolerance_s=600
    )
    assert outcome.ok, outcome.error
    assert central_digest(central, site) == local_digest(sqlite_db, site)
    skew, _, held = _log(central, site)[-1]
    assert abs(skew) < 60 and held is None
    # and the site keeps what each run saw, for its own staff (the doctor, the admin page)
    with sqlite_db.read() as s:
        skews = s.scalars(select(SyncRun.clock_skew_s).order_by(SyncRun.id)).all()
    assert abs(skews[0] - YEAR.total_seconds()) < 60 and abs(skews[1]) < 60


def test_records_dated_ahead_are_held_and_reported_with_their_exit_code(
    central_server: CentralServer, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The clock was a year ahead for a while, then set right: what it dated waits."""
    central = central_server.new_central()
    site = new_site_id()
    cli = cli_site(central_server, central, site, tmp_path)
    monkeypatch.setenv("TEST_CENTRAL_URL", cli.central_url)
    cfg, db = cli.args, cli.db
    add_records(db, site_id=site, visits=40, rng=random.Random(42))
    with db.write() as s:  # the seventh rating and later were made under the wrong clock
        seq, key = s.execute(
            text("SELECT seq, uuid FROM ratings ORDER BY seq LIMIT 1 OFFSET 6")
        ).one()
        s.execute(
            text("UPDATE ratings SET created_at = :at WHERE seq >= :seq"),
            {"at": (utcnow() + YEAR).strftime("%Y-%m-%d %H:%M:%S.%f"), "seq": seq},
        )
    capsys.readouterr()
    assert main([*cfg, "sync"]) == 65
    out = capsys.readouterr().out
    assert f"ratings ({site}, {uuid.UUID(key)}): dated {(utcnow() + YEAR):%Y-%m-%d}" in out
    assert "rating_reasons waits for ratings" in out
    there, here = central_digest(central, site), local_digest(db, site)
    assert there["ratings"][0] == 6 and there["rating_reasons"][0] == 0
    assert there["messages"] == here["messages"]  # the rest went
    assert main([*cfg, "--json", "sync"]) == 65
    assert '"code": "sync_held"' in capsys.readouterr().out
    db.dispose()


# Debian's libfaketime (`.ci/run` installs it): the kiosk process alone lives a year ahead,
# as a PC with a dead RTC battery would; the centre keeps the real time.
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def test_kiosk_sync_on_a_pc_a_year_ahead_says_so_in_one_line_and_exits_78(
    central_server: CentralServer, tmp_path: Path
) -> None:
    assert FAKETIME.exists(), "install Debian's faketime (see .ci/run)"
    central = central_server.new_central()
    site = new_site_id()
    cli = cli_site(central_server, central, site, tmp_path)
    cfg = cli.args
    add_records(cli.db, site_id=site, visits=5, rng=random.Random(43))
    cli.db.dispose()
    env = {
        **os.environ,
        "TEST_CENTRAL_URL": cli.central_url,
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME": "+365d",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kiosk.cli import main; raise SystemExit(main())",
            *cfg,
            "sync",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 78, run.stderr
    assert "FAILED, 0 records pushed" in run.stdout
    assert "ahead of the centre's" in run.stdout and "timedatectl" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert all(n == 0 for n, _ in central_digest(central, site).values())
    [(skew, pushed, _held)] = _log(central, site)
    assert abs(skew - YEAR.total_seconds()) < 3600 and pushed == {}
