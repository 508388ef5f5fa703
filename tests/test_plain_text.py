"""A NUL (or another control character, or a lone surrogate) is refused at every edge that
takes text, with a message saying so; a visitor's message is stripped of it instead."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kiosk.catalog import CatalogError, parse_csv, parse_yaml
from kiosk.cli import main
from kiosk.config import Config
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import Message, MessageEvent, StaffUser, TicketEvent
from kiosk.plain_text import TextRefused, check_text, strip_forbidden
from kiosk.queue import Queue
from kiosk.register import Register
from kiosk.staff import Role, Staff
from kiosk.web.app import create_app
from tests.support import Clock
from tests.web_fixtures import PASSWORD, add_staff, sign_in_http

BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"]


@pytest.mark.parametrize("char", BAD)
def test_the_rule_refuses_control_characters_and_lone_surrogates(char: str) -> None:
    with pytest.raises(TextRefused) as info:
        check_text(f"Отговор{char} на жалбата", field="text")
    assert info.value.field == "text" and info.value.position == 7
    assert strip_forbidden(f"Отговор{char} на жалбата") == "Отговор на жалбата"


def test_the_rule_keeps_tabs_and_line_ends() -> None:
    assert check_text("ред 1\r\nред 2\rред 3\tкрай", field="text") == "ред 1\nред 2\nред 3\tкрай"
    assert check_text("😀 emoji, ѝ", field="text") == "😀 emoji, ѝ"  # paired surrogates are fine


def _complaint(db: Database, config: Config, clock: Clock) -> str:
    return (
        Messages(db, config, clock=clock)
        .submit(
            Draft(
                kind=Kind.COMPLAINT,
                text="Чаках.",
                name="Иван",
                contact="0888 123 456",
                consent=True,
            )
        )
        .reg_number
    )


def test_the_domain_refuses_it_and_stores_nothing(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    reg = _complaint(sqlite_db, config, clock)
    register = Register(sqlite_db, config, clock=clock)
    entry = register.find(reg)
    with pytest.raises(TextRefused, match="U\\+0000"):
        register.answer(message_uuid=entry.uuid, actor="Гергана", text="Отговор\x00")
    with pytest.raises(TextRefused):
        register.start_review(message_uuid=entry.uuid, actor="Гер\x00гана")
    with pytest.raises(TextRefused):
        Staff(sqlite_db, config, clock=clock).add(
            username="petra", password=PASSWORD, role=Role.ADMIN, display_name="Петра\x00"
        )
    queue = Queue(sqlite_db, config, clock=clock)
    ticket = queue.issue(category="А")
    with pytest.raises(TextRefused):
        queue.call_ticket(counter=1, clerk="maria", label=ticket.label, reason="спешно\x00")
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageEvent)) == 0
        assert s.scalar(select(func.count()).select_from(StaffUser)) == 0
        assert s.scalar(select(func.count()).where(TicketEvent.kind == "called")) == 0
    # behind every edge: a record written straight through the ORM is refused as well
    with pytest.raises(TextRefused, match="text"), sqlite_db.write() as s:
        s.add(
            MessageEvent(
                site_id="x", message_uuid=entry.uuid, kind="answered", actor="a", text="\x00"
            )
        )


def test_a_visitors_message_is_stripped_not_refused(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.OPINION, text="Добре\x00 обслужване\ud800!")
    )
    with sqlite_db.read() as s:
        assert s.scalar(select(Message.text)) == "Добре обслужване!"


REFUSED_BG = "Текстът съдържа управляващ знак (например NUL), който не може да бъде записан."


def test_the_staff_web_refuses_it_with_a_translated_message(
    sqlite_db: Database, config: Config, clock: Clock
) -> None:
    add_staff(sqlite_db, config, clock)
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY, display_name="Гергана"
    )
    reg = _complaint(sqlite_db, config, clock)
    app = create_app(config, sqlite_db, clock=clock)
    quality = TestClient(app)
    token = sign_in_http(quality, "quality")
    # the form body as a browser would send a pasted NUL: %00
    r = quality.post(
        f"/register/{reg}/answer",
        content=f"csrf_token={token}&text=Отговор%00".encode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "referer": f"http://testserver/register/{quote(reg)}",
        },
        follow_redirects=False,
    )
    assert r.status_code == 422 and REFUSED_BG in r.text
    assert f'href="http://testserver/register/{quote(reg)}"' in r.text
    admin = TestClient(app)
    token = sign_in_http(admin, "admin")
    r = admin.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "username": "petra",
            "password": PASSWORD,
            "role": "admin",
            "display_name": "Петра\x00",
        },
    )
    assert r.status_code == 422 and REFUSED_BG in r.text
    ticket = Queue(sqlite_db, config, clock=clock).issue(category="А")
    clerk = TestClient(app)
    token = sign_in_http(clerk, "maria")
    r = clerk.post(
        "/api/panel/call-ticket",
        json={"label": ticket.label, "reason": "спешно\u0000"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 422 and r.json()["code"] == "text_control_character"
    assert r.json()["detail"].startswith("Текстът съдържа")
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageEvent)) == 0
        assert s.scalar(select(func.count()).select_from(StaffUser)) == 4
        assert s.scalar(select(func.count()).where(TicketEvent.kind == "called")) == 0


def test_the_cli_refuses_it(tmp_path: Path, capsys, monkeypatch) -> None:
    """argv cannot carry a NUL; the other control characters it can."""
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n')
    cfg = ["--config", str(config_file)]
    assert main([*cfg, "db", "upgrade"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    add = ["staff", "add", "petra", "--role", "admin", "--password-stdin"]
    assert main([*cfg, *add, "--name", "Петра\x1b[31m"]) == 1
    assert "display_name: character U+001B" in capsys.readouterr().err
    assert main([*cfg, "staff", "list"]) == 0
    assert "petra" not in capsys.readouterr().out


def test_a_catalogue_with_a_nul_is_refused_naming_the_field() -> None:
    yaml_text = (
        'revision: 1\nservices:\n- id: s1\n  name_bg: "Удостоверение\\0"\n  name_en: Cert\n'
        "  category: civil_status\n  counter_group: grao\n  source: test\n"
    )
    with pytest.raises(CatalogError) as info:
        parse_yaml(yaml_text.encode(), "c.yaml")
    assert "name_bg" in str(info.value) and "U+0000" in str(info.value)
    csv_text = (
        "id,name_bg,name_en,category,counter_group,source\n"
        "s1,Удостоверение\x00,Cert,civil_status,grao,test\n"
    )
    with pytest.raises(CatalogError) as info:
        parse_csv(csv_text.encode(), "c.csv")
    assert "name_bg" in str(info.value) and "U+0000" in str(info.value)
