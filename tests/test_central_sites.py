"""The centre's sites page (issue #16, item 6): three sites that really synced over TCP, one
healthy, one whose kiosk fell silent, one not heard from for two days; the page, read at a
fixed moment, highlights the two and lists them as alerts, in Sofia's time and Bulgarian
words, and /api/site-alerts gives the same to monitoring; the secretary sets a site's
daytime interval, the others cannot."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from babel.messages.pofile import read_po

from central_web.app import create_central_app
from central_web.routes import sites as sites_route
from kiosk.health import Health
from kiosk.models import utcnow
from kiosk.web.errors import TEXTS
from tests.browser_fixtures import shoot
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.register_centre_fixtures import village
from tests.site_status_fixtures import Site, statuses
from tests.web_fixtures import LiveServer, serve

SOFIA = ZoneInfo("Europe/Sofia")
CENTRAL_WEB = Path(sites_route.__file__).resolve().parent.parent
DOCS = Path(__file__).resolve().parent.parent / "docs" / "centre"
CHROMIUM = "/usr/bin/chromium"


def _local(at: dt.datetime) -> str:
    return f"{at.astimezone(SOFIA):%d.%m.%Y %H:%M}"


def _shift_back(centre: Centre, site_id: str, by: dt.timedelta) -> None:
    """Make a site's one sync as if it had run `by` earlier: the site went quiet since."""
    with psycopg.connect(centre.admin_url.replace("+psycopg", "")) as conn:
        conn.execute(
            "UPDATE sync_log SET started_at = started_at - %s, finished_at = finished_at - %s "
            "WHERE site_id = %s",
            (by, by, site_id),
        )
        (row_id, status) = conn.execute(
            "SELECT id, status FROM site_status WHERE site_id = %s", (site_id,)
        ).fetchone()
        beat = dt.datetime.fromisoformat(status["heartbeat"]["at"])
        status["heartbeat"]["at"] = (beat - by).isoformat()
        conn.execute(
            "UPDATE site_status SET reported_at = reported_at - %s, status = %s WHERE id = %s",
            (by, json.dumps(status), row_id),
        )


@dataclass
class Fleet:
    centre: Centre
    now: dt.datetime  # the page's clock
    start: dt.datetime  # the heartbeats are dated from it
    live: LiveServer


@pytest.fixture
def fleet(centre: Centre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    start = utcnow().replace(microsecond=0)
    bukovo = centre.server.add_site(centre.admin_url, "bukovo")
    # GIVEN the centre's own kiosk, alive 30 s before its sync, its printer ready
    healthy = Site(centre, "centre", tmp_path / "centre", monkeypatch)
    Health(healthy.db, healthy.config, clock=lambda: start - dt.timedelta(seconds=30)).beat(
        printer="ok"
    )
    # AND Шивачево's, whose app last beat 10 minutes before the site synced, out of paper
    silent = Site(centre, "shivachevo", tmp_path / "shivachevo", monkeypatch)
    Health(silent.db, silent.config, clock=lambda: start - dt.timedelta(minutes=10)).beat(
        printer="paper_out"
    )
    Health(silent.db, silent.config).record_device(device="printer", status="paper_out")
    # AND Буково's, alive at its last sync, which was two days ago
    stale = Site(centre, "bukovo", tmp_path / "bukovo", monkeypatch, login=bukovo)
    Health(stale.db, stale.config, clock=lambda: start - dt.timedelta(seconds=20)).beat(
        printer="ok"
    )
    # each by its own clock, which is right
    for site in (healthy, silent, stale):
        assert site.sync_at(utcnow).ok
    _shift_back(centre, "bukovo", dt.timedelta(days=2))
    # AND Сърцево, added three days ago, which has never synced
    centre.server.add_site(centre.admin_url, "sartsevo")
    with psycopg.connect(centre.admin_url.replace("+psycopg", "")) as conn:
        conn.execute(
            "UPDATE sites SET added_at = now() - interval '3 days' WHERE site_id = 'sartsevo'"
        )
    # WHEN the page is read, at a moment that stays put for the test
    now = utcnow()
    server = serve(create_central_app(centre.config, centre.db, clock=lambda: now))
    yield Fleet(centre, now, start, server)
    server.stop()
    for site in (healthy, silent, stale):
        site.db.dispose()


def _row(page: str, site_id: str) -> str:
    match = re.search(rf'<tr id="site-{site_id}".*?</tr>', page, re.S)
    assert match, site_id
    return match[0]


def test_the_page_highlights_the_silent_and_the_stale_site_and_lists_them_on_top(
    fleet: Fleet,
) -> None:
    with httpx.Client(base_url=fleet.live.url) as client:
        sign_in_centre(client, "officer")
        page = client.get("/sites").text
        alerts = client.get("/api/site-alerts").json()
    # THEN the two sites that need a look are marked, the healthy one is not
    assert 'class="alert" data-alerts="stale"' in _row(page, "bukovo")
    assert 'class="alert" data-alerts="kiosk_silent"' in _row(page, "shivachevo")
    assert 'class="" data-alerts=""' in _row(page, "centre")
    # AND the alerts on top say why, in Bulgarian, with Sofia's time
    listed = re.search(r'<ul id="site-alerts".*?</ul>', page, re.S)[0]
    (stale,) = statuses(fleet.centre, "bukovo")
    assert f"bukovo: няма синхронизация от {_local(stale['reported_at'])} (преди 2 дни)" in listed
    beat = fleet.start - dt.timedelta(minutes=10)
    (reported,) = (s["reported_at"] for s in statuses(fleet.centre, "shivachevo"))
    assert (
        f"shivachevo: киоскът не отговаря от {_local(beat)} "
        f"(според отчета на обекта от {_local(reported)})"
    ) in listed
    assert "sartsevo: няма нито една синхронизация, откакто е добавен преди 3 дни" in listed
    assert 'class="alert" data-alerts="stale"' in _row(page, "sartsevo")
    assert "все още няма отчет от обекта" in _row(page, "sartsevo")
    assert "centre:" not in listed
    # AND each row shows what its site reported: the result, the printer, the clock, the version
    silent = _row(page, "shivachevo")
    assert "успешна" in silent
    assert "няма хартия: поставете нова ролка" in silent
    assert "точен" in _row(page, "centre")
    assert _local(stale["reported_at"]) in _row(page, "bukovo")
    # nothing listens on the sites' web.port: the doctor's finding, worded by the centre
    assert "<strong>Уеб за служители</strong>: Нищо не отговаря на 127.0.0.1:1" in silent
    # AND monitoring reads the same two, by code
    assert {(a["site"], a["alert"]) for a in alerts["alerts"]} == {
        ("bukovo", "stale"),
        ("shivachevo", "kiosk_silent"),
        ("sartsevo", "stale"),
    }


def test_the_secretary_sets_a_sites_daytime_interval_and_the_others_cannot(
    fleet: Fleet,
) -> None:
    with httpx.Client(base_url=fleet.live.url) as client:
        token = sign_in_centre(client, "auditor")
        refused = client.post(
            "/sites/shivachevo/sync-every", data={"every": "5", "csrf_token": token}
        )
        assert refused.status_code == 403
    with httpx.Client(base_url=fleet.live.url) as client:
        token = sign_in_centre(client, "secretary")
        # WHEN a value the timer cannot keep is sent THEN it is refused in words, nothing set
        bad = client.post("/sites/shivachevo/sync-every", data={"every": "7", "csrf_token": token})
        assert bad.status_code == 422
        assert "на всеки 5, 10, 15, 30, 60 минути или само нощем" in bad.text
        unknown = client.post("/sites/nowhere/sync-every", data={"every": "5", "csrf_token": token})
        assert unknown.status_code == 422
        # WHEN five minutes is chosen THEN the site's row shows it
        done = client.post("/sites/shivachevo/sync-every", data={"every": "5", "csrf_token": token})
        assert done.status_code == 303
        row = _row(client.get("/sites").text, "shivachevo")
        assert '<option value="5" selected>' in row
    with psycopg.connect(fleet.centre.admin_url.replace("+psycopg", "")) as conn:
        assert conn.execute(
            "SELECT sync_every_min, updated_by FROM site_settings WHERE site_id = 'shivachevo'"
        ).fetchone() == (5, "secretary")


def test_two_sites_numbering_their_messages_alike_are_named_on_top(
    centre: Centre, tmp_path: Path
) -> None:
    # GIVEN Шивачево, set up before the centre checked prefixes, numbering with "ТВ"
    village(centre, tmp_path, "shivachevo")
    server = serve(create_central_app(centre.config, centre.db))
    try:
        with httpx.Client(base_url=server.url) as client:
            sign_in_centre(client, "officer")
            alone = client.get("/sites").text
            # WHEN the town hall's own site pushes its first complaint, also "ТВ-2026-00001"
            village(centre, tmp_path, "centre", "Опашката на гише 2 е твърде дълга сутрин.")
            both = client.get("/sites").text
    finally:
        server.stop()
    # THEN the page says, on top and in words, which sites share what, and what to do
    assert "номерират съобщенията си еднакво" not in alone
    listed = re.search(r'<ul id="site-alerts".*?</ul>', both, re.S)[0]
    assert "centre, shivachevo номерират съобщенията си еднакво (ТВ-…)" in listed
    assert "kiosk central add-site --register-prefix" in listed


def test_every_text_of_the_sites_page_has_its_bulgarian() -> None:
    with (CENTRAL_WEB / "locale" / "bg.po").open("rb") as po:
        bulgarian = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(po)}
    sources = set(sites_route._ALERTS.values()) | set(sites_route._RESULTS.values())
    sources |= {sites_route._NEVER_SYNCED, sites_route._NO_HEARTBEAT, sites_route._SHARED_PREFIX}
    for source in (CENTRAL_WEB / "templates" / "sites.html", Path(sites_route.__file__)):
        text = source.read_text(encoding="utf-8")
        sources |= {m[2] for m in re.finditer(r"""_\((["'])(.+?)\1[,)]""", text)}
    # the template's other strings come from the site web's catalogue, which it falls back to
    missing = sorted(s for s in sources if not bulgarian.get(s))
    assert not missing, missing
    for source in sources:
        assert set(re.findall(r"{\w+}", source)) == set(
            re.findall(r"{\w+}", str(bulgarian[source]))
        )
    assert "sync_interval_refused" in TEXTS


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")
def test_the_sites_page_in_chromium(tmp_path: Path, fleet: Fleet) -> None:
    """The page as the secretary sees it, saved for the docs (docs/centre/sites.png)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.web_fixtures import CHROMIUM_ARGS, PASSWORD

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900}, locale="bg-BG")
        page.goto(f"{fleet.live.url}/login")
        page.fill("input[name=username]", "secretary")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.goto(f"{fleet.live.url}/sites")
        expect(page.locator("#site-alerts li")).to_have_count(3)
        # the highlighted rows are red-tinted, the healthy one is not
        tint = page.locator("#site-bukovo").evaluate("e => getComputedStyle(e).backgroundColor")
        plain = page.locator("#site-centre").evaluate("e => getComputedStyle(e).backgroundColor")
        assert tint != plain
        shoot(page, tmp_path, "sites.png", DOCS)
        browser.close()


def test_the_webs_login_may_read_the_schema_version_serve_checks(centre: Centre) -> None:
    """`kiosk central serve` refuses a centre at another schema version: its login reads it."""
    from sync.schema import require_schema

    with centre.db.engine.connect() as conn:
        require_schema(conn)


def test_every_command_at_the_centre_refuses_a_schema_it_does_not_know(
    centre: Centre, capsys: pytest.CaptureFixture[str]
) -> None:
    """The web, its accounts and the retention all open the centre through one check, and the
    refusal names the command that mends it, never a traceback."""
    from sqlalchemy import create_engine, text

    from kiosk.cli import main
    from sync.schema import SCHEMA_VERSION

    owner = create_engine(centre.admin_url)
    with owner.begin() as conn:  # as if a newer program had migrated it
        conn.execute(
            text("INSERT INTO central_schema (version) VALUES (:v)"), {"v": SCHEMA_VERSION + 1}
        )
    owner.dispose()
    url = ["--url", centre.web_url, "--sslmode", "disable"]
    for argv in (
        ["central", "serve", *url],
        ["central", "staff", "list", *url],
        ["central", "erase-expired", *url],
    ):
        capsys.readouterr()
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert f"schema version {SCHEMA_VERSION + 1}" in err and "kiosk central init" in err, argv
        assert "Traceback" not in err
