"""The centre's pages name sites as the secretary named them, reading the names once per
request however many parts of the page name a site (kiosk/web/deps.py, site_labeller)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
from sqlalchemy import event

from central_web.app import create_central_app
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.test_register_centre_reading import name_the_sites
from tests.web_fixtures import serve


@contextmanager
def names_read(centre: Centre) -> Iterator[list[str]]:
    """The statements the web runs that read the sites' names, while the block runs."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "sites.name_en" in statement:
            seen.append(statement)

    event.listen(centre.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(centre.db.engine, "before_cursor_execute", count)


def test_the_sites_page_reads_the_names_once_for_its_alerts_and_its_table(
    centre: Centre,
) -> None:
    # GIVEN both sites named, and Шивачево added three days ago and never synced (an alert
    # that names it, beside the table that names every site)
    name_the_sites(centre)
    with psycopg.connect(centre.admin_url.replace("+psycopg", "")) as conn:
        conn.execute(
            "UPDATE sites SET added_at = now() - interval '3 days' WHERE site_id = 'shivachevo'"
        )
    server = serve(create_central_app(centre.config, centre.db))
    try:
        with httpx.Client(base_url=server.url) as client:
            sign_in_centre(client, "officer")
            # WHEN the page is read THEN the alert and the table name the site, from one read
            with names_read(centre) as page_reads:
                page = client.get("/sites").text
            assert "<li>Шивачево: няма нито една синхронизация" in page
            assert page.count("<strong>Шивачево</strong>") == 1
            assert len(page_reads) == 1
            # AND a second request reads them again (a name given since shows at once)
            with names_read(centre) as again:
                client.get("/sites")
            assert len(again) == 1
        # AND a page that names no site (the sign-in form) does not read them
        with httpx.Client(base_url=server.url) as client, names_read(centre) as none:
            assert 'name="username"' in client.get("/login").text
        assert none == []
    finally:
        server.stop()
