"""The report on the central database: every site's records, as each site sent them."""

from __future__ import annotations

import json
import random
from pathlib import Path

from kiosk.cli import main
from kiosk.config import Config
from kiosk.reports.compute import Period, compute_report
from sync.catalog import central_categories
from sync.central import CentralTarget
from sync.job import run_sync
from tests.report_fixtures import SOFIA_TZ, build_known_month
from tests.support import upgraded
from tests.sync_data import add_records
from tests.sync_fixtures import CentralServer

NOVEMBER = Period.parse("2026-11")


def test_the_centre_reports_each_site_as_the_site_itself_does(
    central_server: CentralServer, config: Config, tmp_path: Path, capsys
) -> None:
    central = central_server.new_central()
    site = config.site_id
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    build_known_month(db, config)
    other = upgraded(f"sqlite:///{tmp_path / 'village.sqlite'}", config)
    add_records(other, site_id="village", visits=60, rng=random.Random(3))
    for database, site_id in ((db, site), (other, "village")):
        login = central_server.add_site(central, site_id)
        target = central_server.site_target(central, login)
        outcome = run_sync(database, target, batch_size=50, time_budget_s=30)
        assert outcome.ok, outcome.error

    as_of = NOVEMBER.end
    at_site = compute_report(db, period=NOVEMBER, tz=SOFIA_TZ, sites=[site], as_of=as_of)
    centre = CentralTarget(url=central, sslmode="disable").database()
    try:
        with centre.engine.connect() as conn:
            categories = central_categories(conn)
        on_centre = compute_report(
            centre, period=NOVEMBER, tz=SOFIA_TZ, sites=[site], as_of=as_of, categories=categories
        )
        everyone = compute_report(
            centre, period=NOVEMBER, tz=SOFIA_TZ, as_of=as_of, categories=categories
        )
    finally:
        centre.dispose()
    assert on_centre == at_site
    assert at_site.tickets > 0 and everyone.tickets > at_site.tickets  # the village counts too
    assert everyone.overall.count > at_site.overall.count

    out = tmp_path / "report"
    command = ["central", "report", "--url", central.replace("+psycopg", ""), "--sslmode"]
    command += ["disable", "--period", "2026-11", "--as-of", str(as_of), "--out", str(out)]
    assert main(["--json", *command, "--site", site, "--no-pdf"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["tickets"] == at_site.tickets and said["ratings"] == at_site.overall.count
    assert (out / "report-2026-11.html").exists() and (out / "report-2026-11.xlsx").exists()
    db.dispose()
    other.dispose()
