"""Usernames: one spelling (NFKC, case-folded), one alphabet, no look-alike of another account."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiosk.config import Config
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.staff import BadUsername, ConfusableUsername, Role, Staff
from tests.support import Clock
from tests.web_fixtures import PASSWORD, sign_in_http


@pytest.fixture
def staff(sqlite_db: Database, config: Config, clock: Clock) -> Staff:
    staff = Staff(sqlite_db, config, clock=clock)
    staff.add(username="maria", password=PASSWORD, role=Role.QUALITY)
    staff.add(username="admin", password=PASSWORD, role=Role.ADMIN)
    staff.add(username="eko", password=PASSWORD, role=Role.QUALITY)
    return staff


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("m\u0430ria", BadUsername),  # Cyrillic "а" among Latin letters
        ("\u0435\u043a\u043e", ConfusableUsername),  # all Cyrillic "еко" beside Latin "eko"
        ("rnaria", ConfusableUsername),  # "rn" reads as "m"
        ("\u0430dmin", BadUsername),
        ("ma ria", BadUsername),
        ("maria\u200b", BadUsername),  # a zero-width space
        ("", BadUsername),
    ],
)
def test_look_alikes_and_odd_names_are_refused(
    staff: Staff, name: str, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        staff.add(username=name, password=PASSWORD, role=Role.QUALITY)
    assert [a.username for a in staff.accounts()] == ["admin", "eko", "maria"]


@pytest.mark.parametrize("spelling", ["ＭＡＲＩＡ", "MARIA", " Maria "])
def test_one_account_whatever_the_spelling(staff: Staff, spelling: str) -> None:
    assert staff.authenticate(username=spelling, password=PASSWORD) is not None
    staff.add(username=spelling, password="a different secret", role=Role.QUALITY, replace=True)
    assert [a.username for a in staff.accounts()] == ["admin", "eko", "maria"]
    assert staff.authenticate(username="maria", password="a different secret") is not None


def test_distinct_names_of_either_alphabet_are_welcome(staff: Staff) -> None:
    for name in ("мария", "ivan.petrov", "георги2"):
        staff.add(username=name, password=PASSWORD, role=Role.QUALITY)
    assert {a.username for a in staff.accounts()} >= {"мария", "ivan.petrov", "георги2"}


def test_a_message_in_the_url_is_never_shown(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY
    )
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(kind=Kind.SUGGESTION, text="Още пейки.", name="", contact="", consent=False)
    )
    planted = "Your account is locked: call 0888 000 000"
    with TestClient(web_app) as admin:
        sign_in_http(admin, "admin")
        page = admin.get("/admin", params={"error": planted})
        assert page.status_code == 200 and "0888 000 000" not in page.text
    with TestClient(web_app) as quality:
        sign_in_http(quality, "quality")
        entry = quality.get(f"/register/{reg.reg_number}", params={"error": planted}).text
        assert "0888 000 000" not in entry and 'role="alert"' not in entry
        # a refused step is the entry page itself, with the message the server wrote
        # (tests/test_register_web.py): no message travels in a URL
