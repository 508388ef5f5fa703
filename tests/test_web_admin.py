"""The admin sets up the centre; forms refuse with a message; every refusal in the reader's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kiosk.cli import main
from kiosk.config import Config
from kiosk.counters import CategoryInUse, CounterExists, Counters, NoCategories
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import SetupEvent
from kiosk.queue import Queue
from kiosk.staff import LastAdmin, Role, Staff
from kiosk.web.errors import TEXTS
from kiosk.web.routes.admin import CHANGE_TEXTS
from tests.support import Clock
from tests.web_fixtures import PASSWORD, sign_in_http

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "kiosk" / "web"


def test_a_new_category_and_counter_serve_tickets_and_are_recorded(
    db: Database, config: Config, clock: Clock
) -> None:
    # GIVEN the seeded centre (А Б В Г П, counters 1–4)
    counters = Counters(db, config, clock=clock)
    # WHEN the admin adds a priority category Д and a counter 5 that serves it
    counters.save_category(
        actor="admin",
        code="д",
        name_bg="Социални помощи",
        name_en="Social assistance",
        priority=True,
        counter_groups=("social",),
        entitled_bg="хора с увреждания",
        entitled_en="people with disabilities",
        create=True,
    )
    counters.save_counter(
        actor="admin",
        number=5,
        name_bg="Гише 5",
        name_en="Counter 5",
        categories=["Д"],
        active=True,
        create=True,
    )
    counters.move_category(actor="admin", code="Д", up=True)
    # THEN a Д ticket is issued and called at counter 5, with the category's priority
    queue = Queue(db, config, clock=clock)
    ticket = queue.issue(category="Д")
    assert (ticket.label, ticket.priority, ticket.counters) == ("Д001", True, (5,))
    assert queue.call_next(counter=5).label == "Д001"
    order = [c.code for c in counters.categories()]
    assert order == ["А", "Б", "В", "Г", "Д", "П"]  # Д moved above П, the last before it
    saved = next(c for c in counters.categories() if c.code == "Д")
    assert (saved.entitled_bg, saved.counter_groups) == ("хора с увреждания", ("social",))
    shown = next(c for c in queue.status().categories if c.code == "Д")  # what the kiosk reads
    assert (shown.entitled.bg, shown.entitled.en) == (
        "хора с увреждания",
        "people with disabilities",
    )
    # and every change is an event with who made it
    with db.read() as s:
        events = s.execute(
            select(SetupEvent.actor, SetupEvent.subject, SetupEvent.key, SetupEvent.action)
        ).all()
    assert events == [
        ("admin", "category", "Д", "created"),
        ("admin", "counter", "5", "created"),
        ("admin", "category", "Д", "moved up"),
    ]
    # and the config file no longer describes what is in use
    assert counters.differences(config) == [
        "category Д is in the database but not in the config",
        "counter 5 is in the database but not in the config",
    ]


def test_set_up_changes_that_would_break_the_queue_are_refused(
    db: Database, config: Config, clock: Clock
) -> None:
    counters = Counters(db, config, clock=clock)
    with pytest.raises(NoCategories):
        counters.save_counter(actor="admin", number=1, categories=[], active=True)
    with pytest.raises(CounterExists):
        counters.save_counter(
            actor="admin",
            number=1,
            name_bg="Г",
            name_en="C",
            categories=["А"],
            active=True,
            create=True,
        )
    counters.save_counter(actor="admin", number=3, categories=["Б"], active=True)
    # counter 3 serves only Б now: closing Б would leave it serving nothing
    with pytest.raises(CategoryInUse) as refused:
        counters.save_category(
            actor="admin", code="Б", name_bg="Данъци", name_en="Taxes", active=False
        )
    assert refused.value.params == {"code": "Б", "counters": "3"}
    assert next(c for c in counters.categories() if c.code == "Б").active


def test_the_last_admin_stays_an_admin(db: Database, config: Config, clock: Clock) -> None:
    staff = Staff(db, config, clock=clock)
    staff.add(username="admin", password=PASSWORD, role=Role.ADMIN)
    with pytest.raises(LastAdmin):
        staff.change(username="admin", role=Role.QUALITY, counter=None)
    with pytest.raises(LastAdmin):
        staff.set_active(username="admin", active=False)
    staff.add(username="second", password=PASSWORD, role=Role.ADMIN)
    assert staff.change(username="admin", role=Role.QUALITY, counter=None).role is Role.QUALITY


def _bulgarian(client: TestClient, token: str) -> None:
    client.post("/language", data={"lang": "bg", "csrf_token": token})


def test_admin_sets_up_the_centre_in_the_web_and_mistakes_come_back_as_the_form(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    with TestClient(web_app) as admin:
        token = sign_in_http(admin, "admin")
        _bulgarian(admin, token)
        page = admin.get("/admin/setup")
        assert page.status_code == 200 and 'id="new-category"' in page.text
        added = admin.post(
            "/admin/categories",
            data={
                "code": "Д",
                "name_bg": "Социални услуги",
                "name_en": "Social services",
                "counter_groups": "social, general",
                "csrf_token": token,
            },
        )
        assert added.status_code == 200 and 'id="category-Д"' in added.text
        assert "Добавена категория Д" in added.text  # the change list, by whole sentence
        # a counter with no categories: the same page, the message in Bulgarian, no JSON
        refused = admin.post(
            "/admin/counters",
            data={"number": "6", "name_bg": "Гише 6", "name_en": "Counter 6", "csrf_token": token},
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("text/html")
        assert "Всяко гише обслужва поне една категория номера." in refused.text
        assert 'id="new-counter"' in refused.text
        saved = admin.post(
            "/admin/counters/4",
            data={
                "name_bg": "Гише 4",
                "name_en": "Counter 4",
                "categories": ["В", "Д"],
                "active": "on",
                "csrf_token": token,
            },
        )
        assert saved.status_code == 200
    setup = {c.number: c.categories for c in Counters(sqlite_db, config, clock=clock).setups()}
    assert setup[4] == ("В", "Д")


def test_admin_forms_refuse_a_taken_username_and_demoting_the_last_admin(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    with TestClient(web_app) as admin:
        token = sign_in_http(admin, "admin")
        _bulgarian(admin, token)
        again = admin.post(
            "/admin/staff",
            data={
                "username": "Maria",
                "password": "a new long secret",
                "role": "admin",
                "csrf_token": token,
            },
        )
        assert again.status_code == 422 and "Потребителското име maria е заето." in again.text
        demoted = admin.post(
            "/admin/staff/admin", data={"role": "clerk", "counter": "1", "csrf_token": token}
        )
        assert demoted.status_code == 422
        assert "admin е последният активен администратор" in demoted.text
        assert 'class="scroll"' in demoted.text  # the staff table scrolls inside its card
        # a form the browser would not send (a role that does not exist): a page, not JSON
        forged = admin.post(
            "/admin/staff",
            data={"username": "petar", "password": PASSWORD, "role": "mayor", "csrf_token": token},
        )
        assert forged.status_code == 422 and forged.headers["content-type"].startswith("text/html")
        assert "Формулярът не е попълнен както се очаква" in forged.text
    staff = Staff(sqlite_db, config, clock=clock)
    maria = staff.authenticate(username="maria", password=PASSWORD)
    assert maria is not None and maria.role is Role.CLERK  # not reset, not promoted
    assert staff.account("admin").role is Role.ADMIN


def _new_account_form(page: str) -> str:
    return re.search(r'<form[^>]*id="new-account".*?</form>', page, re.S)[0]


@pytest.mark.parametrize(
    ("username", "password", "error", "focused"),
    [
        ("Maria", "a new long secret", "Потребителското име maria е заето.", "username"),
        ("rnaria", "a new long secret", "прилича на съществуващото maria", "username"),
        ("petar", "short", "Паролата е поне 8 знака.", "password"),
    ],
)
def test_a_refused_new_account_comes_back_as_typed_but_the_password(
    web_app: FastAPI, username: str, password: str, error: str, focused: str
) -> None:
    with TestClient(web_app) as admin:
        token = sign_in_http(admin, "admin")
        _bulgarian(admin, token)
        refused = admin.post(
            "/admin/staff",
            data={
                "username": username,
                "display_name": "Петър Петров",
                "password": password,
                "role": "clerk",
                "counter": "3",
                "csrf_token": token,
            },
        )
        again = admin.get("/admin").text
    assert refused.status_code == 422
    form = _new_account_form(refused.text)
    # why, beside the form (not once more at the page's top), and every field but the password
    assert error in form and refused.text.count(error) == 1
    assert f'name="username" required maxlength="60" value="{username}"' in form
    assert 'value="Петър Петров"' in form
    assert '<option value="clerk" selected>' in form and "<option selected>3</option>" in form
    assert password not in form
    assert re.search(rf'name="{focused}"[^>]* aria-invalid="true" autofocus>', form)
    # the page opened anew has the form empty again
    assert 'value="Петър Петров"' not in _new_account_form(again)


def test_panel_refusals_come_in_the_pages_language(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    with TestClient(web_app) as clerk:
        token = sign_in_http(clerk, "maria")
        headers = {"X-CSRF-Token": token}
        assert clerk.post("/api/panel/finish", headers=headers).json() == {
            "detail": "На гише 1 няма извикан номер.",
            "code": "no_active_ticket",
            "params": {"counter": 1},
        }
        # Bulgarian is the default; an English page gets English
        clerk.post("/language", data={"lang": "en", "csrf_token": token})
        english = clerk.post("/api/panel/finish", headers=headers).json()
        assert english["detail"] == "Counter 1 has no called ticket."
        Counters(sqlite_db, config, clock=clock).save_counter(
            actor="admin", number=1, categories=["А"], active=False
        )
        closed = clerk.post("/api/panel/recall", headers=headers)
        assert closed.status_code == 409
        assert closed.json()["detail"].startswith("Counter 1 is closed.")


def test_panel_asks_before_a_called_ticket_becomes_served(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    first, second = queue.issue(category="А"), queue.issue(category="А")
    with TestClient(web_app) as clerk:
        headers = {"X-CSRF-Token": sign_in_http(clerk, "maria")}
        assert clerk.post("/api/panel/call", headers=headers).json()["ticket"]["label"] == "А001"
        asked = clerk.post("/api/panel/call", headers=headers)
        assert asked.status_code == 409 and asked.json()["code"] == "called_not_started"
        assert "А001 е извикан, но обслужването не е започнато" in asked.json()["detail"]
        answered = clerk.post("/api/panel/call", headers=headers, json={"previous": "no_show"})
        assert answered.json()["ticket"]["label"] == "А002"
    assert queue.ticket(first.uuid).status.value == "no_show"
    assert queue.ticket(second.uuid).status.value == "called"


def test_each_role_lands_on_its_page_and_a_forbidden_page_is_a_page(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY
    )
    with TestClient(web_app) as officer:
        form = officer.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        landed = officer.post(
            "/login",
            data={"username": "quality", "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert landed.headers["location"] == "/register"
    with TestClient(web_app) as clerk:
        sign_in_http(clerk, "maria")
        denied = clerk.get("/register")
        assert denied.status_code == 403
        assert denied.headers["content-type"].startswith("text/html")
        assert "Не е за Вашата роля" in denied.text
        assert clerk.get("/api/panel").status_code == 200  # and the clerk's own work goes on


def test_config_check_says_when_the_database_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["config", "check"]) == 0  # no database yet: the config will seed it
    assert main(["db", "upgrade"]) == 0
    assert main(["queue", "status"]) == 0  # the first start seeds from the config
    capsys.readouterr()
    assert main(["--json", "config", "check"]) == 0
    assert json.loads(capsys.readouterr().out)["differences"] == []
    # WHEN kiosk.toml gains a counter 5 after the first start
    config.write_text(
        config.read_text(encoding="utf-8")
        + "".join(f'[[counters]]\nnumber = {n}\ncategories = ["А"]\n' for n in (1, 2, 3, 4, 5)),
        encoding="utf-8",
    )
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    # THEN the check says the database's set-up is in use, and what differs
    assert "differ from the database's, which are in use" in out
    assert "counter 5 is in the config but not in the database" in out
    assert "counter 3: its categories differ from the config" in out


def _translated() -> dict[str, str]:
    with (WEB / "locale" / "bg.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def test_every_web_text_has_its_bulgarian_translation() -> None:
    bulgarian = _translated()
    sources = set(TEXTS.values()) | set(CHANGE_TEXTS.values())
    for template in (
        "admin.html",
        "admin_setup.html",
        "checks.html",
        "denied.html",
        "invalid.html",
        "panel.html",
        "refused.html",
    ):
        text = (WEB / "templates" / template).read_text(encoding="utf-8")
        sources |= {m[2] for m in re.finditer(r"""_\((["'])(.+?)\1\)""", text)}
    missing = sorted(s for s in sources if not bulgarian.get(s))
    assert not missing, missing
    # and every placeholder of the English survives in the Bulgarian
    for source in sources:
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", bulgarian[source]))


def test_the_admin_page_names_the_kind_of_the_latest_messages_in_words(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    # GIVEN a complaint from the kiosk
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.COMPLAINT, text="Няма рампа пред входа.", anonymous=True)
    )
    with TestClient(web_app) as admin:
        sign_in_http(admin, "admin")
        page = admin.get("/admin").text
    # THEN the admin's list of the latest says "Жалба", not the stored code
    line = re.search(rf"<li><strong>{reg.reg_number}</strong>[^<]*", page)
    assert line is not None
    assert "Жалба" in line[0] and "complaint" not in line[0]
