"""The centre's staff web for tests: a central database on the TCP test server, its web
login, two sites, and one account of each centre role, served by uvicorn on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from central_web.app import create_central_app
from kiosk.config import Config
from kiosk.db import Database
from kiosk.staff import Role, Staff
from sync.central import CentralTarget
from sync.sites import SiteLogin, add_centre_login
from tests.support import make_config
from tests.sync_fixtures import CentralServer
from tests.web_fixtures import PASSWORD, LiveServer, serve

CENTRE_ACCOUNTS = {"secretary": Role.ADMIN, "officer": Role.QUALITY, "auditor": Role.AUDITOR}


@dataclass
class Centre:
    admin_url: str  # the central database's owner (unix socket, trust)
    web_url: str  # the web's own login over TCP
    db: Database  # the central database as the web reaches it
    config: Config
    sites: dict[str, SiteLogin]
    server: CentralServer


def web_login_url(server: CentralServer, central_url: str) -> str:
    engine = create_engine(central_url)
    with engine.begin() as conn:
        password = add_centre_login(conn)
    engine.dispose()
    database = make_url(central_url).database
    return f"postgresql://centre_web:{password}@127.0.0.1:{server.port}/{database}"


@pytest.fixture
def centre(central_server: CentralServer, tmp_path: Path) -> Iterator[Centre]:
    admin_url = central_server.new_central()
    sites = {s: central_server.add_site(admin_url, s) for s in ("centre", "shivachevo")}
    web_url = web_login_url(central_server, admin_url)
    db = CentralTarget(url=web_url, sslmode="disable").database()
    config = make_config(tmp_path, site__id="centre")
    staff = Staff(db, config)
    for username, role in CENTRE_ACCOUNTS.items():
        staff.add(username=username, password=PASSWORD, role=role)
    yield Centre(admin_url, web_url, db, config, sites, central_server)
    db.dispose()


@pytest.fixture
def centre_live(centre: Centre) -> Iterator[LiveServer]:
    server = serve(create_central_app(centre.config, centre.db))
    yield server
    server.stop()


def sign_in_centre(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the centre's login form; returns the session's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token[1]}
    )
    assert response.status_code == 303, response.text
    meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sites").text)
    assert meta is not None
    return meta[1]
