"""The handover of a site's cases and its sync (issue #16): a handover that commits while a
site's run is between its pull and its push never wedges the site, and the centre takes no
step and no second handover until the site has logged a sync that saw it."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text, update

import sync.handling
import sync.job
from kiosk.models import MessageEvent, utcnow
from kiosk.register import HandledAtCentre, HandledAtSite, Status
from kiosk.vocabulary import HandledAt
from sync.central import CentralTarget
from sync.handling import HandoverPending, Pulled, handling, pull_handling, set_handled_at
from sync.job import HELD, run_sync
from sync.refused import pending_refused, repair
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.register_centre_fixtures import centre_register, village
from tests.web_fixtures import LiveServer


def test_a_handover_between_pull_and_push_does_not_wedge_the_site(
    centre: Centre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = village(centre, tmp_path)
    pull = sync.job.pull_handling
    handed: list[bool] = []

    def pull_then_hand_over(*args: object, **kwargs: object) -> object:
        pulled = pull(*args, **kwargs)
        if not handed:  # the secretary's click lands right after this run's pull
            set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
            handed.append(True)
        return pulled

    monkeypatch.setattr(sync.job, "pull_handling", pull_then_hand_over)
    site.sync()
    # the run pulled "at the site": the village rightly still takes the step itself
    site.register.start_review(message_uuid=site.complaint, actor="quality1")
    site.sync()  # the step goes: it was taken before the site could know of the handover
    assert centre_register(centre).entry(site.complaint).status is Status.IN_REVIEW
    # now the village knows, and the centre may take the next step
    with pytest.raises(HandledAtCentre):
        site.register.answer(message_uuid=site.complaint, actor="quality1", text="Късно.")
    answered = centre_register(centre).answer(
        message_uuid=site.complaint, actor="officer", text="Рампата ще бъде поставена."
    )
    assert answered.status is Status.ANSWERED
    assert site.sync() == 1
    assert site.register.entry(site.complaint).status is Status.ANSWERED


def test_the_centre_waits_for_the_sites_sync_before_a_step_or_a_second_handover(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    register = centre_register(centre)
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    with pytest.raises(HandoverPending):
        register.start_review(message_uuid=site.complaint, actor="officer")
    # the database holds it too: the web's login may not write the step past its register
    insert = (
        "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind, origin)"
        " VALUES (nextval('centre_event_seq'), gen_random_uuid(), 'shivachevo', now(), %s,"
        " 'in_review', 'centre')"
    )
    web = CentralTarget(url=centre.web_url, sslmode="disable").libpq_url
    with psycopg.connect(web) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(insert, (site.complaint,))
    # handed back before the site ever knew: refused, as is the same handover again (a no-op)
    with pytest.raises(HandoverPending):
        set_handled_at(centre.db, "shivachevo", HandledAt.SITE, by="secretary", now=utcnow())
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    [row] = handling(centre.db, ["shivachevo"])
    assert (row.handled_at, row.pending, row.forced) == (HandledAt.CENTRE, True, False)
    site.sync()
    [row] = handling(centre.db, ["shivachevo"])
    assert not row.pending
    assert register.start_review(message_uuid=site.complaint, actor="officer").status is (
        Status.IN_REVIEW
    )
    # handed back: the centre's register refuses at once, and the site takes over at its sync
    set_handled_at(centre.db, "shivachevo", HandledAt.SITE, by="secretary", now=utcnow())
    with pytest.raises(HandledAtSite):
        register.answer(message_uuid=site.complaint, actor="officer", text="Късно.")
    with pytest.raises(HandoverPending):
        set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    site.sync()
    site.register.answer(message_uuid=site.complaint, actor="quality1", text="Рампа има.")
    site.sync()
    assert centre_register(centre).entry(site.complaint).status is Status.ANSWERED


def test_a_sync_whose_step_was_held_back_does_not_count_as_knowing(
    centre: Centre, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    # a step taken before the village knew, whose text a NUL holds back on the site
    site.register.start_review(message_uuid=site.complaint, actor="quality1")
    with site.db.write() as s:
        s.execute(update(MessageEvent).values(actor="quality\x001"))
    outcome = run_sync(site.db, site.target, batch_size=5, time_budget_s=5, site_id="shivachevo")
    assert outcome.code == HELD
    [row] = handling(centre.db, ["shivachevo"])
    assert row.pending  # the step is not at the centre yet: the centre would be a second handler
    repair(site.db, list(pending_refused(site.db)), site_id="shivachevo")
    site.sync()
    assert not handling(centre.db, ["shivachevo"])[0].pending
    assert centre_register(centre).entry(site.complaint).status is Status.IN_REVIEW


def test_the_secretary_takes_the_cases_of_a_site_that_does_not_sync_confirmed_and_logged(
    centre: Centre, centre_live: LiveServer, tmp_path: Path
) -> None:
    site = village(centre, tmp_path)
    reg = site.register.entry(site.complaint).reg_number
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        form = {"handled_at": "centre", "csrf_token": csrf}
        assert client.post("/handling/shivachevo", data=form).status_code == 303
        page = client.get("/handling").text
        assert "чака синхронизацията на обекта" in page
        assert 'action="/handling/shivachevo/take-over"' in page
        again = client.post("/handling/shivachevo", data={**form, "handled_at": "site"})
        assert again.status_code == 409
        assert "Обектът не се е синхронизирал" in again.text
        # not ticked: refused, in words
        unticked = client.post("/handling/shivachevo/take-over", data={"csrf_token": csrf})
        assert unticked.status_code == 422 and "Отбележете полето" in unticked.text
        assert handling(centre.db, ["shivachevo"])[0].pending
        taken = client.post(
            "/handling/shivachevo/take-over", data={"csrf_token": csrf, "confirm": "yes"}
        )
        assert taken.status_code == 303
        page = client.get("/handling").text
        assert "поето без синхронизацията на обекта" in page
        # handed back before the village learned of the takeover, it would never know the
        # centre held its cases: no hand-back until its sync, and a posted one is refused
        assert "след като обектът се синхронизира и научи за поемането" in page
        assert "Върни на обекта" not in page
        back = client.post("/handling/shivachevo", data={**form, "handled_at": "site"})
        assert back.status_code == 409 and "Обектът не се е синхронизирал" in back.text
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "officer")  # the officer may not take over
        refused = client.post(
            "/handling/shivachevo/take-over", data={"csrf_token": csrf, "confirm": "yes"}
        )
        assert refused.status_code == 403
        answered = client.post(
            f"/register/{reg}/answer?site=shivachevo", data={"text": "Отговор.", "csrf_token": csrf}
        )
        assert answered.status_code == 303
    [row] = handling(centre.db, ["shivachevo"])
    assert (row.forced, row.updated_by, row.pending) == (True, "secretary", False)
    assert centre_register(centre).entry(site.complaint).status is Status.ANSWERED
    engine = create_engine(centre.admin_url)
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT username, status FROM centre_views WHERE path LIKE '%take-over%'")
        ).all()
    engine.dispose()
    assert ("secretary", 303) in logged and ("officer", 403) in logged
    # the risk, as documented: a step the village took meanwhile still arrives
    site.register.start_review(message_uuid=site.complaint, actor="quality1")
    site.sync()
    kinds = [h.kind for h in centre_register(centre).history(site.complaint)]
    assert "answered" in kinds and "in_review" in kinds
    # the village has synced since: its cases can go back to it
    assert handling(centre.db, ["shivachevo"])[0].forced_unseen is False
    with httpx.Client(base_url=centre_live.url) as client:
        csrf = sign_in_centre(client, "secretary")
        assert "Върни на обекта" in client.get("/handling").text
        form = {"handled_at": "site", "csrf_token": csrf}
        assert client.post("/handling/shivachevo", data=form).status_code == 303
    assert handling(centre.db, ["shivachevo"])[0].handled_at is HandledAt.SITE


def test_a_second_pull_reads_no_event_and_an_event_committed_late_still_arrives(
    centre: Centre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = village(centre, tmp_path)
    set_handled_at(centre.db, "shivachevo", HandledAt.CENTRE, by="secretary", now=utcnow())
    site.sync()
    web = CentralTarget(url=centre.web_url, sslmode="disable").libpq_url
    view = (
        "INSERT INTO message_events (seq, uuid, site_id, created_at, message_uuid, kind, origin,"
        " actor) VALUES (nextval('centre_event_seq'), gen_random_uuid(), 'shivachevo', now(),"
        " %s, 'pii_viewed', 'centre', %s)"
    )

    def pull() -> Pulled:
        with psycopg.connect(site.target.libpq_url) as central:
            return pull_handling(site.db, central)

    with psycopg.connect(web) as conn:
        for actor in ("officer", "secretary"):
            conn.execute(view, (site.complaint, actor))
    first = pull()
    assert (first.read, first.events) == (2, 2)
    again = pull()
    assert (again.read, again.events) == (0, 0)
    # an officer's transaction takes the lower key but commits after a later one
    monkeypatch.setattr(sync.handling, "SETTLE_WITHIN_S", 0.5)
    slow = psycopg.connect(web)
    slow.execute(view, (site.complaint, "slow"))
    with psycopg.connect(web) as conn:
        conn.execute(view, (site.complaint, "quick"))
    early = pull()  # the slow one still open: the mark stays where it was
    assert (early.read, early.events) == (1, 1)
    slow.commit()
    slow.close()
    late = pull()
    assert late.events == 1  # the slow one, not lost behind the quick one's key
    assert pull().read == 0
    actors = [h.actor for h in site.register.history(site.complaint)]
    assert sorted(actors) == ["officer", "quick", "secretary", "slow"]
