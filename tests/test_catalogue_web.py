"""The catalogue at the centre over real HTTP: the form's refusals, confirming a figure,
publishing to a group of sites that `kiosk sync` then pulls (real PostgreSQL, SQLite sites),
the diff, and the read-only roles (the app served by uvicorn on loopback)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from sqlalchemy import create_engine, text

from kiosk.catalog import ensure_catalog, load_catalog, shipped_catalog
from kiosk.catalog_edit import form_from_service
from kiosk.db import Database
from sync.job import run_sync
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.support import make_config, upgraded
from tests.test_central_web import libpq
from tests.web_fixtures import LiveServer

SOURCE = "Наредба за определянето и администрирането на местните такси, чл. 42, ал. 1"
HEIRS = "2016"  # the certificate of heirs: its three fees are unconfirmed when shipped


def field_block(page: str, name: str) -> str:
    """The form field's <div class="field"> that holds the input named `name`."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', page, flags=re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def edit_form(client: httpx.Client, service_id: str) -> dict[str, str]:
    page = client.get(f"/catalogue/services/{service_id}").text
    base = re.search(r'name="base" value="(\d+)"', page)
    assert base is not None
    service = next(s for s in shipped_catalog().services if s.id == service_id)
    return {**form_from_service(service), "base": base[1]}


def post_form(
    client: httpx.Client, url: str, csrf: str, form: dict[str, str], unconfirmed: list[str]
) -> httpx.Response:
    return client.post(url, data={**form, "csrf_token": csrf, "unconfirmed": unconfirmed})


def stored_revisions(centre: Centre) -> list[tuple]:
    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT revision, author, draft, sites FROM catalog_revisions ORDER BY revision")
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_refused_save_shows_each_problem_by_its_field_in_bulgarian_and_keeps_the_typing(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        form = edit_form(client, HEIRS)
        form.update(
            regular_fee="десет",
            fast_deadline="скоро",
            eservice_url="http://e-uslugi.example",
            documents_en=form["documents_en"] + "\nA photo",
            name_bg="Удостоверение за наследници (ново име)",
        )
        response = post_form(
            client, f"/catalogue/services/{HEIRS}", csrf, form, ["regular.fee", "fast.fee"]
        )
        assert response.status_code == 422
        page = html.unescape(response.text)
        assert "таксата трябва да е сума в евро, например 2.56, а е 'десет'" in field_block(
            page, "regular_fee"
        )
        assert "използвайте 7d (дни)" in field_block(page, "fast_deadline")
        assert "трябва да е връзка, започваща с https://" in field_block(page, "eservice_url")
        assert "документите на английски са 4, на български — 3" in field_block(
            page, "documents_en"
        )
        # what was typed stays, the good fields and the bad
        assert 'value="Удостоверение за наследници (ново име)"' in page
        assert 'value="десет"' in field_block(page, "regular_fee")
        assert "A photo" in field_block(page, "documents_en")
        assert "due to" not in page and "must be" not in page  # no English left
    assert stored_revisions(centre) == []


def test_the_same_refusal_as_a_file_import(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    """A figure both unconfirmed and sourced is refused by the form and by a file alike."""
    from kiosk.catalog import CatalogError, parse_yaml, to_yaml

    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        form = edit_form(client, HEIRS)
        form["sources.regular.fee"] = SOURCE
        response = post_form(client, f"/catalogue/services/{HEIRS}", csrf, form, ["regular.fee"])
        assert response.status_code == 422
        assert "махнете я от непотвърдените" in field_block(
            html.unescape(response.text), "sources.regular.fee"
        )
    body = yaml.safe_load(to_yaml(shipped_catalog()))
    heirs = next(r for r in body["services"] if r["id"] == HEIRS)
    heirs["sources"] = {"regular.fee": SOURCE}  # still listed as unconfirmed
    yaml_text = yaml.safe_dump(body, allow_unicode=True)
    with pytest.raises(CatalogError) as refused:
        parse_yaml(yaml_text.encode())
    assert "sources.regular.fee: a figure with a source is confirmed" in str(refused.value)


def site_db(tmp_path: Path, site_id: str) -> Database:
    config = make_config(tmp_path / site_id, site__id=site_id)
    db = upgraded(f"sqlite:///{tmp_path / f'{site_id}.sqlite'}", config)
    ensure_catalog(db)
    return db


def sync(centre: Centre, db: Database, site_id: str) -> int | None:
    target = centre.server.site_target(centre.admin_url, centre.sites[site_id])
    outcome = run_sync(db, target, batch_size=50, time_budget_s=30, site_id=site_id)
    assert outcome.ok, outcome.error
    return outcome.pulled_revision


def test_a_confirmed_figure_published_for_a_group_reaches_its_sites_only(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    shipped = shipped_catalog()
    village, town = site_db(tmp_path, "shivachevo"), site_db(tmp_path, "centre")
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        before = client.get("/catalogue").text
        counted = re.search(r'id="to-confirm">\s*(\d+)', before)
        assert counted is not None
        total = int(counted[1])
        assert total == sum(len(s.unconfirmed) for s in shipped.services) > 0

        confirmed = client.post(
            f"/catalogue/services/{HEIRS}/confirm",
            data={"csrf_token": csrf, "figure": "regular.fee", "sources.regular.fee": SOURCE},
        )
        assert confirmed.status_code == 303
        draft = int(confirmed.headers["location"].rsplit("=", 1)[1])
        assert draft == shipped.revision + 1
        after = client.get("/catalogue").text
        assert re.search(r'id="to-confirm">\s*(\d+)', after)[1] == str(total - 1)  # type: ignore[index]
        only = client.get("/catalogue", params={"unconfirmed": "true"}).text
        waiting = sum(1 for s in shipped.services if s.unconfirmed)
        assert only.count("/preview") == waiting  # the heirs' other two fees still wait
        found = client.get("/catalogue", params={"q": "наследници"}).text
        assert found.count("/preview") == 1 and f"/catalogue/services/{HEIRS}" in found

        # a draft is never pulled
        assert sync(centre, village, "shivachevo") is None

        published = client.post(
            "/catalogue/publish",
            data={
                "csrf_token": csrf,
                "revision": str(draft),
                "scope": "group",
                "sites": "shivachevo",
                "note": "the heirs' fee checked",
            },
        )
        assert published.status_code == 303
        revision = int(published.headers["location"].rsplit("=", 1)[1])
        listing = client.get("/catalogue/revisions").text
        assert "публикувана за: shivachevo" in html.unescape(listing)

    assert sync(centre, village, "shivachevo") == revision
    heirs = next(s for s in load_catalog(village).services if s.id == HEIRS)
    assert heirs.is_confirmed("regular", "fee") and heirs.source_of("regular.fee") == SOURCE
    assert not heirs.is_confirmed("fast", "fee")
    # the site outside the group keeps the catalogue it had
    assert sync(centre, town, "centre") is None
    assert load_catalog(town).revision == shipped.revision
    assert load_catalog(town) == load_catalog(site_db(tmp_path / "again", "centre"))
    assert stored_revisions(centre) == [
        (draft, "secretary", True, None),
        (revision, "secretary", False, ["shivachevo"]),
    ]

    # published for every site, the other site takes it too
    engine = create_engine(centre.admin_url)
    from sync.catalog import publish, revision_document

    with engine.begin() as conn:
        doc = revision_document(conn, revision)
        assert doc is not None
        everyone = publish(conn, doc, source="test")
    engine.dispose()
    assert sync(centre, town, "centre") == everyone
    assert (
        next(s for s in load_catalog(town).services if s.id == HEIRS).source_of("regular.fee")
        == SOURCE
    )
    for db in (village, town):
        db.dispose()


def test_the_diff_names_each_changed_field_and_who_made_the_revision(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        form = edit_form(client, HEIRS)
        form.update(regular_fee="3.00", note="the ordinance's 2026 fee")
        saved = post_form(
            client, f"/catalogue/services/{HEIRS}", csrf, form, ["fast.fee", "express.fee"]
        )
        assert saved.status_code == 303, saved.text
        client.post("/language", data={"csrf_token": csrf, "lang": "en"})
        page = html.unescape(client.get("/catalogue/revisions", params={"a": 0}).text)
    rows = re.findall(
        r'<tr>\s*<td>([^<]*) <span class="code">([^<]*)</span></td>\s*<td><span class="code">'
        r'([^<]*)</span></td>\s*<td class="before">([^<]*)</td>\s*<td class="after">([^<]*)</td>',
        page,
    )
    assert [(sid, field, before, after) for _, sid, field, before, after in rows] == [
        (HEIRS, "delivery.regular.fee", "€2.56", "€3.00"),
        (HEIRS, "unconfirmed", "regular.fee, fast.fee, express.fee", "fast.fee, express.fee"),
    ]
    assert "secretary" in page and "the ordinance's 2026 fee" in page


@pytest.mark.parametrize("username", ["auditor", "officer"])
def test_the_auditor_and_the_officer_read_but_cannot_save_or_publish(
    centre: Centre, centre_live: LiveServer, username: str
) -> None:
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, username)
        page = client.get(f"/catalogue/services/{HEIRS}")
        assert page.status_code == 200 and 'id="save"' not in page.text
        assert (
            'name="name_bg" value="Издаване на удостоверение за наследници" disabled' in page.text
        )
        assert client.get(f"/catalogue/services/{HEIRS}/preview").status_code == 200
        assert client.get("/catalogue/revisions").status_code == 200
        form = edit_form(client, HEIRS)
        assert post_form(client, f"/catalogue/services/{HEIRS}", csrf, form, []).status_code == 403
        confirm = client.post(
            f"/catalogue/services/{HEIRS}/confirm",
            data={"csrf_token": csrf, "figure": "regular.fee", "sources.regular.fee": SOURCE},
        )
        assert confirm.status_code == 403
        publish = client.post(
            "/catalogue/publish", data={"csrf_token": csrf, "revision": "1", "scope": "all"}
        )
        assert publish.status_code == 403
    assert stored_revisions(centre) == []


def test_the_web_login_numbers_revisions_but_cannot_rewrite_them(centre: Centre) -> None:
    with psycopg.connect(libpq(centre.web_url)) as conn:
        for statement in (
            "LOCK TABLE catalog_revisions IN EXCLUSIVE MODE",
            "UPDATE catalog_revisions SET note = 'x'",
            "DELETE FROM catalog_revisions",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
        assert conn.execute("SELECT catalog_next_revision(7)").fetchone() == (8,)
    # a site cannot number one
    login = centre.sites["shivachevo"]
    target = centre.server.site_target(centre.admin_url, login)
    with (
        psycopg.connect(target.libpq_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT catalog_next_revision(1)")


def test_the_command_line_publishes_for_a_group_on_the_same_path(
    centre: Centre, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.catalog import to_yaml
    from kiosk.cli import main

    catalogue = tmp_path / "catalog.yaml"
    catalogue.write_text(to_yaml(shipped_catalog()), encoding="utf-8")
    url = centre.admin_url.replace("+psycopg", "")
    command = ["central", "catalog", "publish", str(catalogue), "--url", url]
    group = ["--site", "shivachevo", "--note", "the village first"]
    assert main([*command, "--sslmode", "disable", *group]) == 0
    revision = shipped_catalog().revision + 1
    assert f"as central revision {revision}" in capsys.readouterr().out
    village, town = site_db(tmp_path, "shivachevo"), site_db(tmp_path, "centre")
    assert sync(centre, village, "shivachevo") == revision
    assert sync(centre, town, "centre") is None
    # the database login is the author of a revision published from the command line
    assert stored_revisions(centre) == [(revision, "postgres", False, ["shivachevo"])]
    for db in (village, town):
        db.dispose()


def _bulgarian(package: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    with (root / package.replace(".", "/") / "locale" / "bg.po").open("rb") as po:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else m.string[-1]
            )
            for m in read_po(po)
            if m.id
        }


def test_every_catalogue_text_has_its_bulgarian_translation() -> None:
    """The pages' strings, a record's problems and the service screen's sections."""
    root = Path(__file__).resolve().parent.parent
    bulgarian = {
        **_bulgarian("kiosk"),
        **_bulgarian("kiosk.web"),
        **_bulgarian("central_web"),
    }
    mark = re.compile(r"""\b(?:_|N_|ngettext)\(\s*(["'])((?:(?!\1).)+)\1""")
    files = [
        *(root / "central_web" / "templates").glob("catalogue*.html"),
        root / "central_web" / "routes" / "catalogue.py",
        root / "kiosk" / "catalog.py",
        root / "kiosk" / "catalog_edit.py",
        root / "kiosk" / "service_text.py",
    ]
    sources = set()
    for path in files:
        code = path.read_text(encoding="utf-8")
        # Python joins adjacent literals: read them as one
        code = re.sub(r'"\s*\n\s*"', "", code)
        sources |= {m[2] for m in mark.finditer(code)}
    assert len(sources) > 80
    missing = sorted(s for s in sources if not bulgarian.get(s))
    assert not missing, missing
    for source in sources:  # every placeholder of the English survives in the Bulgarian
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", bulgarian[source]))
