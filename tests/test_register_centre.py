"""One register for the municipality (issue #16.2): the centre answers a village's case on the
central PostgreSQL with the site's own rules, the site pulls it at its sync, and the database
itself keeps one handler per case (real site and web logins over TCP, a real SQLite site)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import unquote

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from kiosk.models import MessageEvent, utcnow
from kiosk.register import HandledAtCentre, HandledAtSite, Status
from kiosk.staff import Role, Staff
from kiosk.vocabulary import EventOrigin, HandledAt
from kiosk.web.app import create_app
from sync.central import CentralTarget
from sync.handling import HandoverPending, set_handled_at
from sync.job import run_sync
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.register_centre_fixtures import centre_register, village
from tests.web_fixtures import PASSWORD, LiveServer, serve, sign_in_http


def test_the_centre_answers_a_village_case_and_the_site_shows_it_after_its_sync(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    register = centre_register(centre)
    [entry] = centre_register(centre, "shivachevo").entries()
    assert (entry.site_id, entry.uuid, entry.status) == ("shivachevo", site.complaint, Status.NEW)
    # handled at the site: the centre reads it and takes no step
    with pytest.raises(HandledAtSite):
        register.start_review(message_uuid=site.complaint, actor="officer")

    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    # before its sync the site knows nothing of it, and may still take a step itself: so the
    # centre takes none until the site has synced
    with pytest.raises(HandoverPending):
        register.start_review(message_uuid=site.complaint, actor="officer")
    assert site.register.handles("shivachevo")
    assert site.sync() == 0
    register.start_review(message_uuid=site.complaint, actor="officer")
    answered = register.answer(
        message_uuid=site.complaint, actor="officer", text="Рампата ще бъде поставена до май."
    )
    assert answered.status is Status.ANSWERED
    personal = register.personal_data(message_uuid=site.complaint, actor="officer", role="quality")
    assert personal is not None and personal.name == "Мария Иванова"

    assert site.register.entry(site.complaint).status is Status.NEW
    assert site.sync() == 3  # in review, answered, the officer's view of the contact
    shown = site.register.entry(site.complaint)
    assert shown.status is Status.ANSWERED
    assert shown.answer_text == "Рампата ще бъде поставена до май."
    assert shown.answered_by == "officer"
    assert [h.kind for h in site.register.history(site.complaint)][-3:] == [
        "in_review",
        "answered",
        "pii_viewed",
    ]
    # the site now knows the centre handles its cases, and refuses a step of its own
    with pytest.raises(HandledAtCentre):
        site.register.extend(
            message_uuid=site.complaint,
            actor="quality1",
            reason="Чакаме отговор.",
            final_due_date=site.register.today() + dt.timedelta(days=20),
        )
    # a pull is idempotent, and pulled events never go back: the range check still holds
    with site.db.read() as s:
        before = s.scalar(select(func.count()).select_from(MessageEvent))
    assert site.sync() == 0
    with site.db.read() as s:
        assert s.scalar(select(func.count()).select_from(MessageEvent)) == before
        pulled = list(
            s.scalars(select(MessageEvent).where(MessageEvent.origin == EventOrigin.CENTRE))
        )
    assert len(pulled) == 3 and all(e.seq < 0 for e in pulled)
    # the site's own next event goes up beside them, and its pushed range checks out
    site.register.personal_data(message_uuid=site.complaint, actor="quality1", role="quality")
    outcome = run_sync(site.db, site.target, batch_size=5, time_budget_s=30, site_id="shivachevo")
    assert outcome.ok and outcome.pushed == {"message_events": 1}, outcome
    # the centre's register agrees with the site's, and holds each event once
    assert register.entry(site.complaint).status is Status.ANSWERED
    assert len(register.history(site.complaint)) == len(site.register.history(site.complaint)) == 4


def test_a_site_cannot_push_a_step_on_a_case_the_centre_handles(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    site.sync()  # the site learns the handover
    # a forged answer written into the site's file, past its own register's refusal
    with site.db.write() as s:
        s.add(
            MessageEvent(
                site_id="shivachevo",
                message_uuid=site.complaint,
                kind="answered",
                actor="quality1",
                text="Отговорено от селото.",
                created_at=utcnow() + dt.timedelta(seconds=1),
            )
        )
    outcome = run_sync(site.db, site.target, batch_size=5, time_budget_s=5, site_id="shivachevo")
    assert not outcome.ok
    assert "row-level security" in (outcome.error or "")
    assert centre_register(centre).entry(site.complaint).status is Status.NEW
    # nor may a site log in and pose as the centre, under the centre's keys
    with psycopg.connect(site.target.libpq_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind,"
                " origin) VALUES (-999, gen_random_uuid(), 'shivachevo', now(), %s, 'answered',"
                " 'centre')",
                (site.complaint,),
            )
        conn.rollback()
        # a view of personal data still goes: retention and access are recorded anyway
        conn.execute(
            "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind,"
            " origin) VALUES (999, gen_random_uuid(), 'shivachevo', now(), %s, 'pii_viewed',"
            " 'site')",
            (site.complaint,),
        )


def test_a_step_the_site_took_before_it_learned_of_the_handover_still_goes(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    # between the handover and its next sync the site still handles the case itself
    site.register.start_review(message_uuid=site.complaint, actor="quality1")
    site.sync()  # pushed, not refused: the push would otherwise stop here for good
    assert centre_register(centre).entry(site.complaint).status is Status.IN_REVIEW
    with pytest.raises(HandledAtCentre):
        site.register.answer(message_uuid=site.complaint, actor="quality1", text="Късно.")


def test_the_centres_login_may_step_only_where_the_centre_handles(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    web = CentralTarget(url=centre.web_url, sslmode="disable")
    insert = (
        "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind, origin)"
        " VALUES (nextval('centre_event_seq'), gen_random_uuid(), 'shivachevo', now(), %s, %s,"
        " 'centre')"
    )
    with psycopg.connect(web.libpq_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert, (site.complaint, "answered"))
        conn.rollback()
        conn.execute(insert, (site.complaint, "pii_viewed"))  # a view, recorded anywhere
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # never under a site's key
            conn.execute(
                "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind,"
                " origin) VALUES (5, gen_random_uuid(), 'shivachevo', now(), %s, 'pii_viewed',"
                " 'centre')",
                (site.complaint,),
            )
    assert centre_register(centre, "centre").entries() == []  # a register of one site reads it only


def _step(client: httpx.Client, csrf: str, url: str, text: str) -> httpx.Response:
    return client.post(url, data={"text": text, "csrf_token": csrf})


def test_each_web_refuses_a_step_on_a_case_it_does_not_handle_in_bulgarian(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    reg = site.register.entry(site.complaint).reg_number
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "officer")
        page = client.get(f"/register/{reg}?site=shivachevo")
        assert "Този обект разглежда съобщенията си сам" in page.text
        assert "Запиши отговора" not in page.text
        refused = _step(client, csrf, f"/register/{reg}/answer?site=shivachevo", "Отговор.")
        # refused to the entry's own page (a reload there posts nothing), which says why
        assert refused.status_code == 303
        assert unquote(refused.headers["location"]) == f"/register/{reg}?site=shivachevo"
        assert (
            "Този обект разглежда съобщенията си сам"
            in client.get(refused.headers["location"]).text
        )
        assert client.get(f"/register/{reg}?site=nowhere").status_code == 404
        # the officer reads who handles what, but only the secretary changes it
        assert client.get("/handling").status_code == 200
        form = {"handled_at": "centre", "csrf_token": csrf}
        assert client.post("/handling/shivachevo", data=form).status_code == 403
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "auditor")
        form = {"handled_at": "centre", "csrf_token": csrf}
        assert client.post("/handling/shivachevo", data=form).status_code == 403
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        bad = client.post("/handling/shivachevo", data={"handled_at": "x", "csrf_token": csrf})
        assert bad.status_code == 422
        unknown = client.post(
            "/handling/nowhere", data={"handled_at": "centre", "csrf_token": csrf}
        )
        assert unknown.status_code == 404
        moved = client.post(
            "/handling/shivachevo", data={"handled_at": "centre", "csrf_token": csrf}
        )
        assert moved.status_code == 303
    assert centre_register(centre).handles("shivachevo")

    # the village learns it at its sync; its own web then only reads the case
    site.sync()
    Staff(site.db, site.config).add(username="quality1", password=PASSWORD, role=Role.QUALITY)
    site_live = serve(create_app(site.config, site.db))
    try:
        with httpx.Client(base_url=site_live.url) as client:
            csrf = sign_in_http(client, "quality1")
            page = client.get(f"/register/{reg}")
            assert "Съобщенията на този обект се разглеждат в центъра" in page.text
            assert "Запиши отговора" not in page.text
            refused = _step(client, csrf, f"/register/{reg}/answer", "Отговорено от селото.")
            assert refused.status_code == 303
            again = client.get(refused.headers["location"])
            assert "се разглеждат в центъра" in again.text
    finally:
        site_live.stop()
    assert site.register.entry(site.complaint).status is Status.NEW
    assert [h.kind for h in site.register.history(site.complaint)] == []


def test_the_officer_answers_and_prints_the_letter_at_the_centre_and_the_view_is_recorded(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    reg = site.register.entry(site.complaint).reg_number
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    site.sync()  # the village learns it
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "officer")
        listed = client.get("/register?filter=open&kind=complaint&site=shivachevo")
        assert f"/register/{reg}?site=shivachevo" in listed.text
        assert f"/register/{reg}?site=centre" not in listed.text
        answered = _step(client, csrf, f"/register/{reg}/answer?site=shivachevo", "Ще има рампа.")
        assert answered.status_code == 303
        assert unquote(answered.headers["location"]) == f"/register/{reg}?site=shivachevo"
        letter = client.get(f"/register/{reg}/letter/answer?site=shivachevo")
        assert letter.status_code == 200
        assert "Мария Иванова" in letter.text and "Ще има рампа." in letter.text
    history = centre_register(centre, "shivachevo").history(site.complaint)
    assert [(h.kind, h.actor, h.text) for h in history][-1] == (
        "pii_viewed",
        "officer",
        "letter:answered",
    )
    assert site.sync() == 2  # the answer and the letter's view reach the village
