"""The centre's staff web: its own accounts and sessions, and a login that reads every site
but is neither a site nor a superuser (real logins over TCP)."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from kiosk.vocabulary import Role
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.web_fixtures import LiveServer


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_each_centre_role_signs_in_and_sees_every_site(
    centre: Centre, centre_live: LiveServer
) -> None:
    for username in ("secretary", "officer", "auditor"):
        with httpx.Client(base_url=centre_live.url) as client:
            sign_in_centre(client, username)
            page = client.get("/sites")
            assert page.status_code == 200
            assert "centre" in page.text and "shivachevo" in page.text
            # Bulgarian first: the centre's strings and base.html's both translated
            assert "Обекти" in page.text and "Изход" in page.text


def test_a_wrong_password_is_refused_and_a_signed_out_visitor_is_sent_to_login(
    centre: Centre, centre_live: LiveServer
) -> None:
    with httpx.Client(base_url=centre_live.url) as client:
        assert client.get("/sites").headers["location"] == "/login"
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        wrong = client.post(
            "/login", data={"username": "officer", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401


def test_the_web_login_is_no_superuser_and_cannot_write_a_sites_records(centre: Centre) -> None:
    with psycopg.connect(libpq(centre.web_url)) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False, False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO tickets (site_id, uuid, seq) VALUES ('centre', gen_random_uuid(), 1)"
            )


def test_a_site_login_cannot_read_the_centres_accounts(centre: Centre) -> None:
    login = centre.sites["shivachevo"]
    target = centre.server.site_target(centre.admin_url, login)
    with (
        psycopg.connect(target.libpq_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT username, password_hash FROM staff_users").fetchall()


def test_the_auditor_role_is_the_centres_alone(centre: Centre) -> None:
    from kiosk.staff import Staff
    from kiosk.vocabulary import SITE_ROLES

    accounts = {a.username: a.role for a in Staff(centre.db, centre.config).accounts()}
    assert accounts == {"auditor": Role.AUDITOR, "officer": Role.QUALITY, "secretary": Role.ADMIN}
    assert Role.AUDITOR not in SITE_ROLES
