"""Staff sessions end when they should: sign-out, account changes, an admin, idle and age."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiosk.config import Config
from kiosk.db import Database
from kiosk.staff import Role, Staff
from tests.support import Clock
from tests.web_fixtures import sign_in_http


def replay(app: FastAPI, cookies: httpx.Cookies, token: str) -> tuple[int, int]:
    """A kept cookie sent again by another browser: the panel's data and a CSRF'd recall."""
    with TestClient(app, cookies=dict(cookies)) as thief:
        data = thief.get("/api/panel").status_code
        recall = thief.post("/api/panel/recall", headers={"X-CSRF-Token": token}).status_code
    return data, recall


def test_a_kept_cookie_is_refused_after_sign_out(web_app: FastAPI) -> None:
    with TestClient(web_app) as clerk:
        token = sign_in_http(clerk, "maria")
        kept = httpx.Cookies(clerk.cookies)
        assert clerk.get("/api/panel").status_code == 200
        out = clerk.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303
    assert replay(web_app, kept, token) == (401, 401)
    with TestClient(web_app, cookies=dict(kept)) as thief:
        page = thief.get("/panel", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"


def _reset_password(staff: Staff) -> None:
    staff.add(
        username="maria", password="a brand new secret", role=Role.CLERK, counter=1, replace=True
    )


def _move_counter(staff: Staff) -> None:
    staff.change(username="maria", role=Role.CLERK, counter=2)


def _make_quality(staff: Staff) -> None:
    staff.change(username="maria", role=Role.QUALITY, counter=None)


def _deactivate(staff: Staff) -> None:
    staff.set_active(username="maria", active=False)


@pytest.mark.parametrize(
    "change", [_reset_password, _move_counter, _make_quality, _deactivate], ids=lambda f: f.__name__
)
def test_a_change_to_the_account_ends_its_sessions(
    web_app: FastAPI,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    change: Callable[[Staff], None],
) -> None:
    with TestClient(web_app) as clerk:
        token = sign_in_http(clerk, "maria")
        kept = httpx.Cookies(clerk.cookies)
        change(Staff(sqlite_db, config, clock=clock))
        assert clerk.get("/api/panel").status_code == 401
    assert replay(web_app, kept, token) == (401, 401)


def test_an_admin_sees_and_ends_a_persons_sessions(web_app: FastAPI) -> None:
    with TestClient(web_app) as clerk, TestClient(web_app) as admin:
        sign_in_http(
            clerk,
            "maria",
        )
        admin_token = sign_in_http(admin, "admin")
        page = admin.get("/admin").text
        section = page[page.index('id="sessions"') :]
        assert re.search(r"<td>maria</td><td>\d\d\.\d\d\.2026", section)
        assert 'action="/admin/staff/maria/sessions/end"' in section
        ended = admin.post(
            "/admin/staff/maria/sessions/end",
            data={"csrf_token": admin_token},
            follow_redirects=False,
        )
        assert ended.status_code == 303
        assert clerk.get("/api/panel").status_code == 401
        assert admin.get("/api/panel").status_code != 401  # only that person's sessions
        assert "<td>maria</td>" not in admin.get("/admin").text.split('id="sessions"')[1]


def test_a_session_ends_when_idle_and_when_old(web_app: FastAPI, clock: Clock) -> None:
    with TestClient(web_app) as clerk:
        sign_in_http(clerk, "maria")
        clock.advance(minutes=59)
        assert clerk.get("/api/panel").status_code == 200  # in use: not idle
        clock.advance(minutes=61)
        assert clerk.get("/api/panel").status_code == 401  # an hour without a request
        sign_in_http(clerk, "maria")
        for _ in range(14):  # busy all day, a request every 50 minutes: 11 h 40 min
            clock.advance(minutes=50)
            assert clerk.get("/api/panel").status_code == 200
        clock.advance(minutes=50)  # 12 h 30 min after sign-in
        assert clerk.get("/api/panel").status_code == 401


def test_a_session_made_before_a_restart_still_works_and_still_ends(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    from kiosk.web.app import create_app

    with TestClient(web_app) as clerk:
        token = sign_in_http(clerk, "maria")
        kept = httpx.Cookies(clerk.cookies)
    restarted = create_app(config, sqlite_db, clock=clock)
    with TestClient(restarted, cookies=dict(kept)) as again:
        assert again.get("/api/panel").status_code == 200
        again.post("/logout", data={"csrf_token": token})
    assert replay(restarted, kept, token) == (401, 401)
