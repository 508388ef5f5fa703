"""The sign-in limit holds under parallel guesses, across servers and restarts, per address."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from kiosk.config import Config
from kiosk.db import Database
from kiosk.web.app import create_app
from tests.support import Clock
from tests.web_fixtures import PASSWORD, LiveServer, add_staff, serve

GUESSES = 30


@pytest.fixture
def two_servers(db: Database, config: Config, clock: Clock) -> Iterator[list[LiveServer]]:
    """Two servers on one database, as after a restart or with a second process."""
    add_staff(db, config, clock)
    servers = [serve(create_app(config, db, clock=clock)) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def _login_form(client: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    return token[1]


def _guess_in_parallel(urls: list[str], usernames: list[str], password: str) -> list[int]:
    """Every guess from its own browser, all sent at the same moment."""
    clients = [
        httpx.Client(base_url=urls[i % len(urls)], timeout=60) for i in range(len(usernames))
    ]
    tokens = [_login_form(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(i: int) -> None:
        barrier.wait()
        r = clients[i].post(
            "/login",
            data={"username": usernames[i], "password": password, "csrf_token": tokens[i]},
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return statuses


def test_thirty_parallel_wrong_passwords_meet_the_limit(
    two_servers: list[LiveServer], config: Config
) -> None:
    statuses = _guess_in_parallel(
        [s.url for s in two_servers], ["maria"] * GUESSES, "wrong password"
    )
    limit = config.web.sign_in_attempts
    assert Counter(statuses) == {401: limit, 429: GUESSES - limit}
    # The right password is refused too until the window ends, on a server started afresh.
    fresh = two_servers[0].app.state.site
    restarted = serve(create_app(config, fresh.db, clock=fresh.clock))
    try:
        with httpx.Client(base_url=restarted.url) as client:
            token = _login_form(client)
            right = client.post(
                "/login", data={"username": "maria", "password": PASSWORD, "csrf_token": token}
            )
        assert right.status_code == 429
    finally:
        restarted.stop()


def test_one_address_trying_twenty_usernames_is_limited(
    two_servers: list[LiveServer], config: Config, clock: Clock
) -> None:
    names = [f"user{i}" for i in range(20)]
    statuses = _guess_in_parallel([s.url for s in two_servers], names, "wrong password")
    allowed = config.web.sign_in_address_attempts
    assert Counter(statuses) == {401: allowed, 429: 20 - allowed}
    clock.advance(seconds=config.web.sign_in_window_s + 1)
    with httpx.Client(base_url=two_servers[1].url) as client:
        token = _login_form(client)
        later = client.post(
            "/login", data={"username": "maria", "password": PASSWORD, "csrf_token": token}
        )
    assert later.status_code == 303  # a new window: the address may sign in again
