"""The centre's staff web: the auditor changes nothing on any route, the secretary's accounts page,
the log of every view, the sign-in limit, CSRF and ending a person's sessions (served by
uvicorn over loopback, on the central PostgreSQL as the web's own login)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import create_engine, text
from starlette.routing import BaseRoute

from central_web.app import create_central_app
from central_web.deps import auditor_reads_only
from kiosk.staff import Role, Staff
from kiosk.web.routes import auth
from sync.centre_views import views
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.test_web_sign_in_limit import _guess_in_parallel
from tests.web_fixtures import PASSWORD, LiveServer, serve


def api_routes(routes: list[BaseRoute]) -> list[tuple[str, APIRoute]]:
    """Every API route with its whole path, through included routers (which FastAPI 0.165
    keeps as branches of their own, not as copies of their routes)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append((route.path, route))
        for branch in getattr(route, "effective_route_contexts", lambda: ())():
            if isinstance(branch.original_route, APIRoute):
                found.append((branch.path, branch.original_route))
    return found


#: the routes that change only the browser's own session, which an auditor uses too
SESSION_ROUTES = {
    (path, m) for path, r in api_routes(auth.router.routes) for m in r.methods - {"GET", "HEAD"}
}


def _changing_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    return [
        (path, r)
        for path, r in api_routes(app.routes)
        if r.methods - {"GET", "HEAD"} and not {(path, m) for m in r.methods} <= SESSION_ROUTES
    ]


def _calls(dependant: Dependant) -> set[Callable[..., object]]:
    found = {dependant.call} if dependant.call else set()
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _filled(path: str) -> str:
    """A route's path with each parameter given a value of the form it takes."""
    for name in ("username", "site_id", "site", "uuid", "record", "reg_number"):
        path = path.replace("{" + name + "}", "secretary" if name == "username" else "x")
    return path


def test_every_state_changing_route_refuses_the_auditor(
    centre: Centre, centre_live: LiveServer
) -> None:
    routes = _changing_routes(centre_live.app)
    assert {("/login", "POST"), ("/logout", "POST"), ("/language", "POST")} == SESSION_ROUTES
    assert {path for path, _ in routes} >= {"/staff", "/staff/{username}/sessions/end"}
    # the app's own guard runs before every route, the centre's and the site's reused here;
    # the requests below show it on each
    assert auditor_reads_only in {d.dependency for d in centre_live.app.router.dependencies}
    before = Staff(centre.db, centre.config).accounts()
    with httpx.Client(base_url=centre_live.url) as client:
        token = sign_in_centre(client, "auditor")
        for path, route in routes:
            for method in route.methods - {"GET", "HEAD"}:
                answer = client.request(
                    method,
                    _filled(path),
                    headers={"x-csrf-token": token},
                    data={"role": "admin", "username": "auditor2", "password": PASSWORD},
                )
                assert answer.status_code == 403, (method, path, answer.text)
                assert answer.json() == {"detail": "an auditor reads, and changes nothing"}
        assert client.get("/staff").status_code == 403  # the accounts are the secretary's
        assert client.get("/audit").status_code == 200
    assert Staff(centre.db, centre.config).accounts() == before


def test_the_secretary_keeps_the_centres_accounts(centre: Centre, centre_live: LiveServer) -> None:
    with httpx.Client(base_url=centre_live.url) as secretary:
        token = sign_in_centre(secretary, "secretary")
        page = secretary.get("/staff")
        assert page.status_code == 200
        assert "Профили на служителите" in page.text and "одитор" in page.text
        assert 'name="counter"' not in page.text  # no counters at the centre
        clerk = secretary.post(
            "/staff",
            data={"username": "petya", "password": PASSWORD, "role": "clerk", "csrf_token": token},
        )
        assert clerk.status_code == 422
        assert "Този служебен уеб не дава ролята clerk." in clerk.text
        short = secretary.post(
            "/staff",
            data={"username": "petya", "password": "short", "role": "quality", "csrf_token": token},
        )
        assert short.status_code == 422 and 'role="alert"' in short.text
        # the form as typed but the password, as the site admin's (tests/test_web_admin.py)
        assert 'value="petya"' in short.text and '<option value="quality" selected>' in short.text
        added = secretary.post(
            "/staff",
            data={
                "username": "petya",
                "display_name": "Петя",
                "password": PASSWORD,
                "role": "quality",
                "csrf_token": token,
            },
        )
        assert added.status_code == 303 and added.headers["location"] == "/staff#staff"
        with httpx.Client(base_url=centre_live.url) as petya:
            sign_in_centre(petya, "petya")
            assert petya.get("/staff").status_code == 403
            assert petya.get("/sites").status_code == 200
            ended = secretary.post("/staff/petya/sessions/end", data={"csrf_token": token})
            assert ended.headers["location"] == "/staff#sessions"
            # the next request of her browser is a signed-out one
            assert petya.get("/sites").headers["location"] == "/login"
        off = secretary.post("/staff/petya/active", data={"active": "", "csrf_token": token})
        assert off.status_code == 303
        myself = secretary.post("/staff/secretary/active", data={"active": "", "csrf_token": token})
        assert myself.status_code == 422
        assert "Не можете да деактивирате собствения си профил." in myself.text
    assert Staff(centre.db, centre.config).authenticate(username="petya", password=PASSWORD) is None
    assert Staff(centre.db, centre.config).account("petya").role is Role.QUALITY


def test_a_form_without_the_csrf_token_changes_nothing(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as secretary:
        sign_in_centre(secretary, "secretary")
        forged = secretary.post(
            "/staff", data={"username": "mallory", "password": PASSWORD, "role": "admin"}
        )
        assert forged.status_code == 403
    assert Staff(centre.db, centre.config).account("mallory") is None


def test_every_signed_in_view_is_logged_and_read_on_the_audit_page(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as anonymous:
        anonymous.get("/sites")
        anonymous.get("/login")
    with httpx.Client(base_url=centre_live.url) as officer:
        sign_in_centre(officer, "officer")
        officer.get("/sites", params={"site": "shivachevo", "record": "ШВ-2026-00017"})
        assert officer.get("/audit").status_code == 403
    logged = views(centre.db, tz=centre.config.tz, username="officer")
    assert [(v.method, v.path, v.status) for v in reversed(logged)] == [
        ("GET", "/sites", 200),  # sign_in_centre reads the page for its CSRF token
        ("GET", "/sites?site=shivachevo&record=%D0%A8%D0%92-2026-00017", 200),
        ("GET", "/audit", 403),  # a refused view is logged too
    ]
    assert (logged[1].site_id, logged[1].record) == ("shivachevo", "ШВ-2026-00017")
    assert views(centre.db, tz=centre.config.tz, username="") == logged  # nobody else signed in
    with httpx.Client(base_url=centre_live.url) as auditor:
        sign_in_centre(auditor, "auditor")
        page = auditor.get("/audit", params={"who": "officer"})
        assert page.status_code == 200 and "Дневник на прегледите" in page.text
        assert "ШВ-2026-00017" in page.text and page.text.count("<tr><td>") == 3
        today = logged[0].viewed_at.astimezone(centre.config.tz).date().isoformat()
        assert auditor.get("/audit", params={"day": today}).text.count("<tr><td>") >= 4
        assert "Няма такъв преглед." in auditor.get("/audit", params={"day": "2001-01-01"}).text
        bad = auditor.get("/audit", params={"day": "yesterday"})
        assert bad.status_code == 422 and "Посочете деня като дата" in bad.text
    mine = views(centre.db, tz=centre.config.tz, username="auditor")
    assert [v.path for v in reversed(mine)][-1] == "/audit?day=yesterday"


def test_a_page_is_logged_once_and_its_icon_styles_and_scripts_not_at_all(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as officer:
        sign_in_centre(officer, "officer")  # reads /sites once for its CSRF token
        # WHEN the officer opens a page, and her browser fetches what it links and the icon
        page = officer.get("/appointments")
        assert page.status_code == 200
        linked = re.findall(r'<(?:link|script)[^>]* (?:href|src)="(/[^"]+)"', page.text)
        assets = sorted({*linked, "/favicon.ico"})
        assert {a.split("/")[1] for a in assets} >= {"favicon.ico", "static", "centre-static"}
        for path in assets:
            assert officer.get(path).status_code == 200, path
    # THEN the log holds the page each time it was opened, and none of the files
    logged = views(centre.db, tz=centre.config.tz, username="officer")
    assert [v.path for v in reversed(logged)] == ["/sites", "/appointments"]


def test_the_sign_in_limit_holds_on_the_centres_web(
    centre: Centre, centre_live: LiveServer
) -> None:
    limit = centre.config.web.sign_in_attempts
    statuses = _guess_in_parallel([centre_live.url], ["officer"] * (limit + 3), "wrong password")
    assert Counter(statuses) == {401: limit, 429: 3}
    with httpx.Client(base_url=centre_live.url) as client:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        right = client.post(
            "/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token}
        )
        assert right.status_code == 429  # the right password waits out the window too


def _tries_from(url: str, address: str, usernames: list[str]) -> list[int]:
    with httpx.Client(base_url=url, headers={"X-Forwarded-For": address}) as client:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        return [
            client.post(
                "/login",
                data={"username": name, "password": PASSWORD, "csrf_token": token},
            ).status_code
            for name in usernames
        ]


def test_behind_the_proxy_the_limit_counts_each_browser_and_only_the_proxy_is_believed(
    centre: Centre,
) -> None:
    allowed = centre.config.web.sign_in_address_attempts
    guesses = [f"guess{i}" for i in range(allowed + 1)]
    for proxy in ("127.0.0.1", None):
        live = serve(create_central_app(centre.config, centre.db), proxy=proxy)
        port = int(live.url.rsplit(":", 1)[1])
        try:
            assert _tries_from(live.url, f"10.0.0.{port % 200}", guesses) == [401] * allowed + [429]
            # another browser behind the proxy; without one, the header is anybody's to write
            other = _tries_from(live.url, f"10.0.1.{port % 200}", ["secretary"])
            assert other == ([303] if proxy else [429])
        finally:
            live.stop()


def test_a_view_the_log_cannot_record_is_not_shown(centre: Centre, centre_live: LiveServer) -> None:
    with httpx.Client(base_url=centre_live.url) as officer:
        sign_in_centre(officer, "officer")
        engine = create_engine(centre.admin_url)
        with engine.begin() as conn:
            conn.execute(text("REVOKE INSERT ON centre_views FROM kiosk_centre"))
        engine.dispose()
        page = officer.get("/sites")
        assert page.status_code == 500 and "shivachevo" not in page.text
