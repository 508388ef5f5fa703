"""The yearly report made in the centre's web: two sites push their two years with `kiosk sync`,
then a signed-in auditor downloads the report from the centre in Debian's Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from kiosk.cli import main
from kiosk.reports.render.publish import chromium
from sync.job import run_sync
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.report_fixtures import PERSONAL
from tests.support import make_config, upgraded
from tests.test_reports_yearly import build_two_years
from tests.web_fixtures import CHROMIUM_ARGS, PASSWORD, LiveServer

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed")


@pytest.fixture
def pushed(centre: Centre, tmp_path: Path) -> Centre:
    town = make_config(tmp_path / "town", site__id="centre")
    village = make_config(tmp_path / "village", site__id="shivachevo", site__register_prefix="ШИВ")
    dbs = {
        site: upgraded(f"sqlite:///{tmp_path / f'{site}.sqlite'}", config)
        for site, config in (("centre", town), ("shivachevo", village))
    }
    build_two_years(dbs["centre"], town, village, dbs["shivachevo"])
    for site, db in dbs.items():
        target = centre.server.site_target(centre.admin_url, centre.sites[site])
        outcome = run_sync(db, target, batch_size=500, time_budget_s=60)
        assert outcome.ok, outcome.error
        db.dispose()
    return centre


def test_the_auditor_downloads_the_yearly_report_from_the_centre(
    pushed: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    client = httpx.Client(base_url=centre_live.url)
    sign_in_centre(client, "auditor")
    page = client.get("/reports/yearly?year=2026")
    assert page.status_code == 200 and "Годишен доклад" in page.text
    assert '<option value="shivachevo">' in page.text

    html = client.get("/reports/yearly/2026.html")
    assert html.status_code == 200
    assert 'filename="yearly-2026.html"' in html.headers["content-disposition"]
    # 5 of 7 called within 20 minutes against 1 of 2: as the site's own figures say
    assert "Годишен доклад за удовлетвореността на потребителите за 2026 г." in html.text
    assert "+21,4 п.п." in html.text and "Телефон" in html.text
    for values in PERSONAL.values():
        assert not [v for v in values if v in html.text]
    village = client.get("/reports/yearly/2026.html?site=shivachevo")
    assert "Звена: shivachevo" in village.text
    assert "<td>shivachevo</td>" in village.text and "<td>centre</td>" not in village.text

    # refused, in Bulgarian: a year with no records possible, a site that does not exist
    early = client.get("/reports/yearly/2019.html")
    assert early.status_code == 422 and "Справки има за годините от 2020 до 2026" in early.text
    assert client.get("/reports/yearly/2026.html?site=nowhere").status_code == 404
    assert client.get("/reports/yearly/2026.exe").status_code == 404

    # in the browser: the PDF comes with a progress note meanwhile
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        ctx = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="bg-BG", accept_downloads=True
        )
        tab = ctx.new_page()
        tab.goto(f"{centre_live.url}/login")
        tab.fill("input[name=username]", "auditor")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button.primary")
        tab.click("text=Годишен доклад")
        tab.select_option("select[name=year]", "2026")
        tab.click("button:has-text('Избери')")
        with tab.expect_download() as download:
            tab.click("text=Изтегли PDF")
            tab.wait_for_selector("#yearly-note", state="visible")
            tab.screenshot(path=str(tmp_path / "central-yearly.png"))
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name == "yearly-2026.pdf" and saved.read_bytes().startswith(b"%PDF")
        tab.wait_for_selector("#yearly-note", state="hidden")
        browser.close()


def test_kiosk_central_report_yearly(pushed: Centre, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    command = ["--json", "central", "report", "--url", pushed.admin_url.replace("+psycopg", "")]
    command += ["--sslmode", "disable", "--yearly", "2026", "--as-of", "2027-02-15"]
    assert main([*command, "--out", str(out), "--no-pdf"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["tickets"], said["messages"]) == (7, 6)
    assert said["within_20_min"] == pytest.approx(5 / 7)
    assert (out / "yearly-2026.html").is_file()
