"""The centre registers a letter for a site whose cases it handles (issue #16.3), as its web's
own login over TCP: negative keys and the centre's numbers, so the site's next push still
passes its range check; a site handled at the site, and the auditor, are refused."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

import httpx
from dateutil.relativedelta import relativedelta
from sqlalchemy import create_engine, text

from kiosk.messages import Draft, Kind, Messages
from sync.job import run_sync
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.support import SOFIA, make_config, upgraded
from tests.test_channels import PDF
from tests.web_fixtures import LiveServer


def _last_monday() -> dt.date:
    today = dt.datetime.now(SOFIA).date()
    return today - dt.timedelta(days=today.weekday() or 7)


def _form(client: httpx.Client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/register/new").text)[1]


def test_the_centre_registers_a_letter_for_a_site_it_handles(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    admin = create_engine(centre.admin_url)
    with admin.begin() as conn:
        conn.execute(
            text("INSERT INTO site_settings (site_id, handled_at) VALUES ('shivachevo', 'centre')")
        )
    monday = _last_monday()
    form = {
        "channel": "letter",
        "received_on": monday.isoformat(),
        "kind": "complaint",
        "text": "Моля за ремонт на пътя до гробищния парк.",
        "name": "Стоян Колев",
        "contact": "0899 111 222",
        "consent": "true",
    }
    with httpx.Client(base_url=centre_live.url) as client:
        sign_in_centre(client, "officer")
        page = client.get("/register/new").text
        assert '<option value="shivachevo"' in page and '<option value="centre"' not in page
        refused = client.post(
            "/register/new", data=form | {"site": "centre", "csrf_token": _form(client)}
        )
        assert refused.status_code == 422
        assert "Изберете обект, чиито преписки води центърът." in refused.text
        assert "Моля за ремонт на пътя до гробищния парк." in refused.text
        done = client.post(
            "/register/new",
            data=form | {"site": "shivachevo", "csrf_token": _form(client)},
            files={"scan": ("писмо.pdf", PDF, "application/pdf")},
        )
        assert done.status_code == 303
        reg_number = unquote(done.headers["location"].split("registered=")[1])
        assert reg_number.startswith("ОЦУИГ-Ц-")
        shown = client.get(done.headers["location"]).text
        due = (monday + relativedelta(months=1)).strftime("%d.%m.%Y")
        assert f"Регистрирано под № {reg_number} за shivachevo, срок {due}." in shown
    with httpx.Client(base_url=centre_live.url) as auditor:
        sign_in_centre(auditor, "auditor")
        assert auditor.get("/register/new").status_code == 403

    with admin.connect() as conn:
        message = conn.execute(
            text("SELECT seq, uuid, channel, received_on FROM messages WHERE reg_number = :r"),
            {"r": reg_number},
        ).one()
        assert message.seq < 0 and message.channel == "letter" and message.received_on == monday
        keys = conn.execute(
            text(
                "SELECT (SELECT seq FROM message_contacts WHERE message_uuid = :u), "
                "(SELECT seq FROM message_attachments WHERE message_uuid = :u), "
                "(SELECT content_b64 FROM message_attachments WHERE message_uuid = :u)"
            ),
            {"u": message.uuid},
        ).one()
        assert keys[0] < 0 and keys[1] < 0 and base64.b64decode(keys[2]) == PDF
        assert (
            conn.execute(
                text("SELECT count(*) FROM messages WHERE site_id = 'centre'")
            ).scalar_one()
            == 0
        )

    # the site's own push still passes its range check beside the centre's rows of the site
    config = make_config(tmp_path / "shivachevo", site__id="shivachevo")
    site_db = upgraded(f"sqlite:///{tmp_path / 'shivachevo.sqlite'}", config)
    Messages(site_db, config).submit(
        Draft(kind=Kind.PRAISE, text="Благодаря на кмета за бързия отговор.")
    )
    target = centre.server.site_target(centre.admin_url, centre.sites["shivachevo"])
    outcome = run_sync(site_db, target, batch_size=5, time_budget_s=30)
    assert outcome.ok, outcome.error
    with admin.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM messages WHERE site_id = 'shivachevo'")
            ).scalar_one()
            == 2
        )
    site_db.dispose()
    admin.dispose()
