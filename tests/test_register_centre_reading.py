"""The municipality's register read at the centre (issue #16), as real logins over TCP on the
centre's web and its own database login: the auditor reads lists, filters, a case's state, due
date and history, never the complainant's data nor a button; the officer and the secretary
open a scanned letter (a download, sandboxed), which is a recorded view; every page is in the
log of views; the centre's retention erases what it registered itself; sites by name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, text

from kiosk.attachments import check_scan
from kiosk.cli import main
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import utcnow
from kiosk.register import Register
from kiosk.text import Text
from kiosk.vocabulary import Channel, HandledAt
from sync.centre_messages import CentreMessages
from sync.handling import CentreDesk, set_handled_at
from sync.sites import name_site
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.register_centre_fixtures import village
from tests.test_channels import MB, PDF
from tests.web_fixtures import LiveServer

LETTER_TEXT = "Моля за ремонт на пътя до гробищния парк в Шивачево."


def name_the_sites(centre: Centre) -> None:
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        name_site(conn, site_id="centre", name=Text("Твърдица — ОЦУИГ", "Tvarditsa — one-stop"))
        name_site(conn, site_id="shivachevo", name=Text("Шивачево", "Shivachevo"))
    engine.dispose()


def register_letter(centre: Centre, *, clock=utcnow, name: str = "Стоян Колев") -> str:
    """A letter with a scanned PDF, registered at the centre for Шивачево (handled there)."""
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=clock())
    registration = CentreMessages(
        centre.db, centre.config, site_id="shivachevo", clock=clock
    ).submit(
        Draft(
            kind=Kind.COMPLAINT,
            channel=Channel.LETTER,
            received_on=clock().astimezone(centre.config.tz).date(),
            text=LETTER_TEXT,
            name=name,
            contact="0899 111 222",
            consent=True,
        ),
        scan=check_scan("писмо от Стоян Колев.pdf", PDF, max_bytes=MB),
    )
    return registration.reg_number


def _entry(reg_number: str) -> str:
    return f"/register/{quote(reg_number)}?site=shivachevo"


def _download(page: str) -> str | None:
    found = re.search(r'href="(/register/[^"]+/attachments/[^"]+)"', page)
    return found[1].replace("&amp;", "&") if found else None


def _views(centre: Centre, username: str) -> list[tuple[str, str | None, str | None, int]]:
    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT path, site_id, record, status FROM centre_views WHERE username = :u "
                "ORDER BY viewed_at"
            ),
            {"u": username},
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_the_auditor_reads_the_register_without_the_complainants_data_nor_a_button(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    name_the_sites(centre)
    site = village(centre, tmp_path)  # Мария Иванова's complaint, pushed by Шивачево
    site_number = site.register.entry(site.complaint).reg_number
    letter = register_letter(centre)
    with httpx.Client(base_url=centre_live.url) as officer:
        sign_in_centre(officer, "officer")
        officer_download = _download(officer.get(_entry(letter)).text)
    assert officer_download is not None

    with httpx.Client(base_url=centre_live.url) as auditor:
        csrf = sign_in_centre(auditor, "auditor")
        assert 'href="/register"' in auditor.get("/sites").text  # the nav offers it
        listed = auditor.get("/register", params={"filter": "all"})
        assert listed.status_code == 200
        assert letter in listed.text and site_number in listed.text
        assert "<td>Шивачево</td>" in listed.text and ">shivachevo<" not in listed.text
        assert 'id="new-message"' not in listed.text  # no form to register a message
        # the filters narrow as they do for the officer
        kind = auditor.get("/register", params={"filter": "all", "kind": "praise"})
        assert letter not in kind.text and "Няма съобщения." in kind.text
        overdue = auditor.get("/register", params={"filter": "overdue", "site": "shivachevo"})
        assert letter not in overdue.text
        assert letter in auditor.get("/register", params={"site": "shivachevo"}).text

        page = auditor.get(_entry(letter))
        assert page.status_code == 200
        body = page.text
        assert LETTER_TEXT in body and "ново" in body
        assert 'id="site">Шивачево<' in body
        assert "Показват се само на секретаря и на служителя по качеството" in body
        assert "Сканирани писма: 1; отварят ги само секретарят" in body
        # nothing of the complainant, not even the scan's name, and nothing to press
        for withheld in ("Стоян Колев", "0899 111 222", "писмо от"):
            assert withheld not in body
        assert _download(body) is None and "/letter/" not in body
        assert "Започни проверка" not in body and "Запиши отговора" not in body
        assert 'action="/register/' not in body

        # what the page does not offer is refused when asked for all the same
        assert auditor.get(officer_download).status_code == 403
        personal = auditor.post(
            f"/register/{quote(letter)}/personal?site=shivachevo", data={"csrf_token": csrf}
        )
        assert personal.status_code == 403
        answered = auditor.post(
            f"/register/{quote(letter)}/answer?site=shivachevo",
            data={"csrf_token": csrf, "text": "Отговор на одитора."},
        )
        assert answered.status_code == 403

    history = Register(centre.db, centre.config, desk=CentreDesk()).history(
        Register(centre.db, centre.config, desk=CentreDesk(frozenset({"shivachevo"})))
        .find(letter)
        .uuid
    )
    assert [h.actor for h in history] == []  # the auditor's reads viewed nothing personal
    seen = _views(centre, "auditor")
    assert ("/register?filter=all", None, None, 200) in seen
    assert (f"/register/{letter}?site=shivachevo", "shivachevo", letter, 200) in seen
    assert any(
        path.startswith(f"/register/{letter}/attachments/") and status == 403
        for path, _site, _record, status in seen
    )


@pytest.mark.parametrize("username", ["officer", "secretary"])
def test_the_officer_opens_the_scanned_letter_at_the_centre_and_the_view_is_recorded(
    centre: Centre, centre_live: LiveServer, username: str
) -> None:
    letter = register_letter(centre)
    with httpx.Client(base_url=centre_live.url) as client:
        sign_in_centre(client, username)
        page = client.get(_entry(letter)).text
        assert "писмо от Стоян Колев.pdf" in page
        download = _download(page)
        assert download is not None and download.endswith("?site=shivachevo")
        got = client.get(download)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''" + quote("писмо от Стоян Колев.pdf")
    )
    assert "sandbox" in got.headers.get_list("content-security-policy")
    assert got.headers["cache-control"] == "no-store"

    # the view is the centre's event, under its own key, and in the log of views
    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:
        (event,) = conn.execute(
            text(
                "SELECT e.seq, e.origin, e.actor, e.text FROM message_events e "
                "JOIN messages m ON m.uuid = e.message_uuid AND m.site_id = e.site_id "
                "WHERE m.reg_number = :r AND e.kind = 'pii_viewed'"
            ),
            {"r": letter},
        ).all()
    engine.dispose()
    assert event.seq < 0 and event.origin == "centre"
    assert (event.actor, event.text) == (username, "attachment:писмо от Стоян Колев.pdf")
    path = download.split("?")[0]
    assert (f"{path}?site=shivachevo", "shivachevo", letter, 200) in _views(centre, username)


def test_a_site_registered_scan_opens_at_the_centre_and_the_view_reaches_the_site(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    reg = Messages(site.db, site.config).submit(
        Draft(
            kind=Kind.SIGNAL,
            channel=Channel.BOX,
            received_on=utcnow().astimezone(site.config.tz).date(),
            text="Сигнал за счупена пейка в парка.",
            anonymous=True,
        ),
        scan=check_scan("пейка.png", b"\x89PNG\r\n\x1a\n" + bytes(40), max_bytes=MB),
    )
    site.sync()
    with httpx.Client(base_url=centre_live.url) as client:
        sign_in_centre(client, "officer")
        page = client.get(f"/register/{quote(reg.reg_number)}?site=shivachevo").text
        got = client.get(_download(page))
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    # the centre's record of the view is pulled by the site at its next sync
    assert site.sync() == 1
    (viewed,) = [h for h in site.register.history(reg.uuid) if h.kind == "pii_viewed"]
    assert (viewed.actor, viewed.text) == ("officer", "attachment:пейка.png")


def test_the_centre_erases_what_it_registered_after_the_retention_period(
    centre: Centre, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = village(centre, tmp_path)  # the site's own complaint: the site erases it, not the centre
    long_ago = utcnow() - dt.timedelta(days=400)
    old = register_letter(centre, clock=lambda: long_ago)
    site.sync()  # the village learns the handover: the centre may then take steps
    recent = register_letter(centre, name="Иван Петров")
    centre_desk = Register(centre.db, centre.config, desk=CentreDesk(frozenset({"shivachevo"})))
    for number, at in ((old, long_ago), (recent, utcnow())):
        Register(
            centre.db,
            centre.config,
            clock=lambda at=at: at + dt.timedelta(hours=1),
            desk=CentreDesk(frozenset({"shivachevo"})),
        ).answer(message_uuid=centre_desk.find(number).uuid, actor="officer", text="Отговорено.")
    # the site's complaint is closed long ago at the centre too: still the site's to erase
    Register(
        centre.db,
        centre.config,
        clock=lambda: long_ago + dt.timedelta(hours=2),
        desk=CentreDesk(frozenset({"shivachevo"})),
    ).answer(message_uuid=site.complaint, actor="officer", text="Рампата е поставена.")

    # the centre's timer runs it as the web's own login, which may not DELETE
    web_url = centre.web_url
    assert main(["central", "erase-expired", "--url", web_url, "--sslmode", "disable"]) == 0
    out = capsys.readouterr().out
    assert f"personal data erased from 1 closed case(s) the centre registered\n  {old}" in out

    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:

        def held(number: str) -> tuple[int, int, int, list[str]]:
            row = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM message_contacts c WHERE c.site_id = m.site_id "
                    "AND c.message_uuid = m.uuid), (SELECT count(*) FROM message_attachments a "
                    "WHERE a.site_id = m.site_id AND a.message_uuid = m.uuid), "
                    "(SELECT count(*) FROM messages n WHERE n.uuid = m.uuid), "
                    "array(SELECT e.kind || ':' || e.origin FROM message_events e "
                    "WHERE e.site_id = m.site_id AND e.message_uuid = m.uuid ORDER BY e.created_at) "
                    "FROM messages m WHERE m.reg_number = :r AND m.site_id = 'shivachevo'"
                ),
                {"r": number},
            ).one()
            return tuple(row)

        assert held(old) == (0, 0, 1, ["answered:centre", "pii_erased:centre"])
        assert held(recent)[:3] == (1, 1, 1)
        site_number = site.register.entry(site.complaint).reg_number
        assert held(site_number)[:3] == (1, 0, 1)
    engine.dispose()
    # a second run finds nothing more to erase
    assert main(["central", "erase-expired", "--url", web_url, "--sslmode", "disable"]) == 0
    assert "erased from 0 closed case(s)" in capsys.readouterr().out


def test_a_site_is_named_by_the_secretary_and_shown_by_its_name(
    centre: Centre, centre_live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = centre.admin_url.replace("+psycopg", "")
    base = ["central", "name-site", "--url", url, "--sslmode", "disable"]
    assert main([*base, "shivachevo", "Шивачево", "--en", "Shivachevo"]) == 0
    assert "shivachevo is shown as Шивачево" in capsys.readouterr().out
    assert main([*base, "nowhere", "Никъде"]) == 1
    assert "no site 'nowhere'" in capsys.readouterr().err
    assert main([*base, "centre", "ред\nдруг"]) == 1
    assert "one line" in capsys.readouterr().err
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        sites = client.get("/sites").text
        assert "<strong>Шивачево</strong>" in sites and "<strong>centre</strong>" in sites
        assert ">Шивачево</td>" in client.get("/handling").text
        assert ">Шивачево</option>" in client.get("/reports/yearly").text
        client.get("/register", params={"site": "shivachevo"})
        assert "<td>Шивачево</td>" in client.get("/audit").text
        client.post("/language", data={"lang": "en", "csrf_token": csrf})
        english = client.get("/register", params={"site": "shivachevo"}).text
        assert ">Shivachevo</a>" in english
