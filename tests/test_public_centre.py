"""The live ticket served from the centre (issue #17): the site's feeder reports its live
tickets to a real PostgreSQL over TCP, the centre's listener serves them to Debian's Chromium
at a phone's size, "I'm leaving" travels back; the public login reads nothing else; one read
of the queue serves every open page."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.live_ticket import VISITOR_LEFT, LiveTickets
from kiosk.models import TicketEvent
from kiosk.queue import Queue
from kiosk.vocabulary import TicketStatus
from public_web.app import create_public_app
from sync.central import CentralTarget
from sync.public_centre import CentralLiveTickets
from sync.public_feed import PublicFeeder
from sync.schema import SCHEMA_VERSION, init_central
from sync.sites import add_public_login
from tests.browser_fixtures import browser, needs_chromium, shoot  # noqa: F401 (the fixture)
from tests.support import Clock, make_config, upgraded
from tests.sync_fixtures import CentralServer
from tests.web_fixtures import LiveServer, free_port, serve

DOCS = Path(__file__).resolve().parent.parent / "docs" / "public"
PHONE = {"width": 390, "height": 844}
SITE = "tvarditsa"


@dataclass
class Linked:
    config: Config
    site_db: Database  # the site's SQLite
    queue: Queue  # the clerks' and the kiosk's, on its own connection
    feeder: PublicFeeder  # the site's, logged in as the site
    centre: CentralLiveTickets  # the listener's, logged in as the public login
    public_url: str  # the public login's URL (TCP, SCRAM)
    admin_url: str


@pytest.fixture
def linked(central_server: CentralServer, tmp_path: Path, clock: Clock) -> Iterator[Linked]:
    admin_url = central_server.new_central()
    login = central_server.add_site(admin_url, SITE)
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        password = add_public_login(conn)
    admin.dispose()
    database = make_url(admin_url).database
    public_url = f"postgresql://centre_public:{password}@127.0.0.1:{central_server.port}/{database}"
    config = make_config(
        tmp_path,
        site__id=SITE,
        public__base_url="https://opashka.tvarditsa.bg",
        public__feed_heartbeat_s=0.5,
        public__stale_after_s=2,
    )
    site_db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    clerks = Database(f"sqlite:///{tmp_path / 'site.sqlite'}")
    site_engine = central_server.site_target(admin_url, login).engine(timeout_s=5)
    central_db = CentralTarget(url=public_url, sslmode="disable").database()
    yield Linked(
        config=config,
        site_db=site_db,
        queue=Queue(clerks, config, clock=clock),
        feeder=PublicFeeder(site_db, config, site_engine, clock=clock),
        centre=CentralLiveTickets(central_db),
        public_url=public_url,
        admin_url=admin_url,
    )
    central_db.dispose()
    site_engine.dispose()
    clerks.dispose()
    site_db.dispose()


@contextlib.contextmanager
def feeding(feeder: PublicFeeder) -> Iterator[threading.Event]:
    """The feeder's loop in a thread, as `kiosk public feed` runs it; set the event to stop."""
    stop = threading.Event()
    thread = threading.Thread(target=feeder.run, args=(stop,), kwargs={"poll_s": 0.1})
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture
def centre_pages(linked: Linked) -> Iterator[LiveServer]:
    server = serve(
        create_public_app(
            linked.config,
            linked.centre.db,
            live=linked.centre,
            poll_seconds=0.1,
            heartbeat_s=0.5,
        ),
        port=free_port(),
    )
    yield server
    server.stop()


def test_the_board_tells_each_ticket_what_asking_alone_would(tmp_path: Path, clock: Clock) -> None:
    config = make_config(tmp_path, public__base_url="https://opashka.tvarditsa.bg")
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    queue = Queue(db, config, clock=clock)
    issued = []
    for category in ("А", "Б", "А", "В", "А", "Б", "А", "А"):
        issued.append(queue.issue(category=category))
        clock.advance(minutes=2)
    queue.call_next(counter=1)
    clock.advance(minutes=1)
    live = LiveTickets(db, config, clock=clock)
    board = live.board()
    assert len(board.tickets) == len(issued)
    for ticket in issued:
        alone = live.state(ticket.live_token or "")
        assert board.get(ticket.live_token or "") == alone, ticket.label
    waits = [board.get(t.live_token or "") for t in issued]
    assert any(w and w.wait_minutes for w in waits)  # not all zero: the comparison says something
    assert board.get("A" * 22) is None and board.get("../admin") is None
    db.dispose()


def _queue_reads(db: Database) -> tuple[list[str], object]:
    """The statements `db` runs that read the queue's state, as they run."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "queue_state" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen, count


@pytest.mark.parametrize("pages", [1, 12])
def test_one_read_of_the_queue_serves_every_open_page(
    tmp_path: Path, clock: Clock, pages: int
) -> None:
    config = make_config(
        tmp_path,
        public__base_url="https://opashka.tvarditsa.bg",
        public__streams_per_address=50,
        public__requests_per_minute=1000,
    )
    db = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    clerks = Queue(Database(f"sqlite:///{tmp_path / 'site.sqlite'}"), config, clock=clock)
    tokens = [clerks.issue(category="А").live_token for _ in range(pages + 1)]
    # what one board costs: the reads of the queue one change needs, whatever the pages
    reads, listener = _queue_reads(db)
    live = LiveTickets(db, config, clock=clock)
    live.board()  # the first of the day also learns the counters' usual breaks
    reads.clear()
    live.board()
    per_board = len(reads)
    # heartbeat long: nothing but the call makes the streams look again
    server = serve(create_public_app(config, db, clock=clock, poll_seconds=0.1, heartbeat_s=60))
    opened = threading.Barrier(pages + 1)
    called: list[str] = []

    def follow(token: str) -> None:
        with (
            httpx.Client(base_url=server.url, timeout=20) as client,
            client.stream("GET", f"/t/{token}/events") as stream,
        ):
            first, kind = None, "message"
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "alive":
                    kind = "message"
                elif line.startswith("data: "):
                    words = json.loads(line[6:])
                    if first is None:
                        first = words["detail"]
                        opened.wait()
                    elif words["detail"] != first:  # one fewer ahead
                        called.append(words["detail"])
                        return

    try:
        threads = [threading.Thread(target=follow, args=(t,)) for t in tokens[1:]]
        for t in threads:
            t.start()
        opened.wait(20)
        time.sleep(0.5)  # the feed's poller has read the version the pages opened at
        reads.clear()
        clerks.call_next(counter=1)  # the first ticket: every page has one fewer ahead
        for t in threads:
            t.join(20)
        assert len(called) == pages
        # the old way read the ticket, its wait and its place: 3 reads and more per page
        assert per_board <= len(reads) <= 2 * per_board, reads
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
        server.stop()
        clerks.db.dispose()
        db.dispose()


def _central(linked: Linked, sql: str) -> list[tuple]:
    with psycopg.connect(
        make_url(linked.admin_url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    ) as conn:
        return conn.execute(sql).fetchall()


def test_the_feeder_reports_changes_only_and_brings_leaving_back(
    linked: Linked,
) -> None:
    first = linked.queue.issue(category="А")
    second = linked.queue.issue(category="А")
    done = linked.feeder.round()
    assert (done.reported, done.rows) == (True, 2)
    rows = _central(linked, "SELECT label, status, people_ahead, token_hash FROM public_tickets")
    assert sorted(r[:3] for r in rows) == [("А001", "waiting", 0), ("А002", "waiting", 1)]
    # what reaches the centre holds no token, no ticket id
    assert {r[3] for r in rows}.isdisjoint({first.live_token, second.live_token})
    assert not _central(linked, "SELECT 1 FROM public_tickets WHERE token_hash LIKE '%-%'")
    # nothing moved: a round sends nothing (until the heartbeat)
    assert linked.feeder.round() == (linked.feeder.round().__class__(False, 0, 0))
    linked.queue.call_next(counter=2)
    done = linked.feeder.round()
    assert done.rows == 2  # the one called, the one now first
    assert linked.centre.state(first.live_token or "").counter == 2

    # "I'm leaving" at the centre: asked there, applied by the site's next round
    linked.centre.leave(second.live_token or "")
    assert linked.centre.state(second.live_token or "").leaving
    done = linked.feeder.round()
    assert done.left == 1
    assert linked.queue.ticket(second.uuid).status is TicketStatus.CANCELLED
    with linked.site_db.read() as s:
        reason = s.scalar(
            select(TicketEvent.reason).where(
                TicketEvent.ticket_uuid == second.uuid, TicketEvent.kind == "cancelled"
            )
        )
    assert reason == VISITOR_LEFT
    state = linked.centre.state(second.live_token or "")
    assert (state.status, state.leaving) == (TicketStatus.CANCELLED, False)
    assert _central(linked, "SELECT outcome FROM public_leave_requests") == [("cancelled",)]


def test_a_break_at_the_counter_a_ticket_was_sent_to_reaches_the_centres_page(
    linked: Linked, centre_pages: LiveServer, clock: Clock
) -> None:
    # GIVEN a visitor sent to counter 2, reported to the centre
    mine = linked.queue.issue(category="А")
    linked.queue.call_next(counter=1)
    linked.queue.transfer(counter=1, to_counter=2)
    linked.feeder.round()
    token = mine.live_token or ""
    assert linked.centre.state(token).closed_counter is None
    # WHEN its clerk goes on a break THEN the feeder's next round carries it to the centre
    counters = Counters(linked.site_db, linked.config, clock=clock)
    counters.open_counter(actor="ivan", actor_counter=2, number=2, open=False)
    assert linked.feeder.round().rows == 1
    assert _central(linked, "SELECT closed_counter FROM public_tickets") == [(2,)]
    assert linked.centre.state(token).closed_counter == 2
    with httpx.Client(base_url=centre_pages.url) as client:
        page = client.get(f"/t/{token}").text
    assert "Гише 2 е в кратка почивка: номерът ви запазва мястото си" in page
    # and its reopening too
    counters.open_counter(actor="ivan", actor_counter=2, number=2, open=True)
    linked.feeder.round()
    assert linked.centre.state(token).closed_counter is None


def test_a_centre_of_version_6_gains_the_closed_counter_on_init(linked: Linked) -> None:
    # GIVEN the central tables as version 6 made them, and a live ticket
    linked.queue.issue(category="А")
    admin = create_engine(linked.admin_url)
    with admin.begin() as conn:
        conn.execute(text("ALTER TABLE public_tickets DROP COLUMN closed_counter"))
        conn.execute(text("UPDATE central_schema SET version = 6"))
    # WHEN `kiosk central init` runs THEN the column is added, and a site's
    # feeder reports into it
    with admin.begin() as conn:
        assert init_central(conn) == (6, SCHEMA_VERSION)
    admin.dispose()
    assert linked.feeder.round().rows == 1
    assert _central(linked, "SELECT label, closed_counter FROM public_tickets") == [("А001", None)]


def test_the_feeder_survives_the_centre_going_away(
    linked: Linked, caplog: pytest.LogCaptureFixture, central_server: CentralServer
) -> None:
    ticket = linked.queue.issue(category="А")
    away = CentralTarget(
        url=f"postgresql://site_{SITE}:x@127.0.0.1:{free_port()}/kiosk", sslmode="disable"
    ).engine(timeout_s=1)
    cut = PublicFeeder(linked.site_db, linked.config, away)
    with caplog.at_level(logging.WARNING, logger="sync.public_feed"):
        with feeding(cut):
            time.sleep(3)  # several tries, with pauses that grow
        # said once, not at every try
        assert [r.getMessage()[:40] for r in caplog.records] == [
            "the live tickets cannot reach the centre"
        ]
    # the kiosk went on meanwhile
    assert linked.queue.issue(category="А").label == "А002"
    with feeding(linked.feeder):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if linked.centre.state(ticket.live_token or ""):
                    break
            time.sleep(0.1)
    assert linked.centre.state(ticket.live_token or "").label == "А001"
    away.dispose()


def test_the_public_login_reads_only_the_live_tickets(linked: Linked) -> None:
    linked.queue.issue(category="А")
    linked.feeder.round()
    url = make_url(linked.public_url).render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM public_tickets").fetchone() == (1,)
        for table in (
            "tickets",
            "ticket_events",
            "messages",
            "message_contacts",
            "sync_log",
            "sites",
            "site_status",
            "staff_users",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table} LIMIT 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE public_tickets SET status = 'cancelled'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM public_tickets")
        # a leave request only for a ticket that waits there: not any hash, not any site
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO public_leave_requests (site_id, token_hash) "
                f"VALUES ('{SITE}', repeat('0', 64))"
            )
    # and a site's login writes its own site's rows only
    site = linked.feeder.engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(site, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO public_tickets (site_id, token_hash, label, status) "
                "VALUES ('shivachevo', repeat('1', 64), 'А001', 'waiting')"
            )
        assert conn.execute("SELECT count(*) FROM public_tickets").fetchone() == (1,)


@pytest.mark.parametrize(
    "path", ["/login", "/admin", "/panel", "/board", "/sites", "/register", "/docs", "/"]
)
def test_the_centre_listener_refuses_staff_routes(centre_pages: LiveServer, path: str) -> None:
    with httpx.Client(base_url=centre_pages.url) as client:
        assert client.get(path).status_code == 404
        assert client.post(path).status_code in (404, 405)


@needs_chromium
def test_a_phone_follows_its_number_at_the_centre(
    tmp_path: Path,
    linked: Linked,
    centre_pages: LiveServer,
    browser: Browser,  # noqa: F811
) -> None:
    linked.queue.issue(category="А")  # the one ahead
    mine = linked.queue.issue(category="А")
    with feeding(linked.feeder) as stop:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not linked.centre.board().tickets:
            time.sleep(0.1)
        context = browser.new_context(
            viewport=PHONE, locale="bg-BG", device_scale_factor=2, is_mobile=True
        )
        page = context.new_page()
        page.goto(f"{centre_pages.url}/t/{mine.live_token}")
        expect(page.locator("#headline")).to_have_text("Вашият номер е А002")
        expect(page.locator("#detail")).to_contain_text("Пред вас има 1 човек")
        linked.queue.call_next(counter=1)
        linked.queue.finish(counter=1)
        expect(page.locator("#detail")).to_contain_text("Следващият номер е вашият.")
        linked.queue.call_next(counter=2)
        called_at = time.monotonic()
        expect(page.locator("#headline")).to_have_text(
            "Вашият номер А002 е повикан — гише 2", timeout=2000
        )
        assert time.monotonic() - called_at < 2.0
        shoot(page, tmp_path, "centre-called-bg.png", DOCS, full_page=False)

        # "I'm leaving" at the centre cancels the ticket at the site
        third = linked.queue.issue(category="А")
        other = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
        deadline = time.monotonic() + 5
        while (
            time.monotonic() < deadline
            and linked.centre.board().get(third.live_token or "") is None
        ):
            time.sleep(0.1)
        other.goto(f"{centre_pages.url}/t/{third.live_token}")
        expect(other.locator("#headline")).to_have_text("Your number is А003")
        other.click("summary")
        other.click("button.leave")
        expect(other.locator("#headline")).to_have_text("Number А003 is cancelled.", timeout=5000)
        assert linked.queue.ticket(third.uuid).status is TicketStatus.CANCELLED

        # the site stops reporting: the page says since when its state is
        fourth = linked.queue.issue(category="А")
        last = context.new_page()
        deadline = time.monotonic() + 5
        while (
            time.monotonic() < deadline
            and linked.centre.board().get(fourth.live_token or "") is None
        ):
            time.sleep(0.1)
        last.goto(f"{centre_pages.url}/t/{fourth.live_token}")
        expect(last.locator("#headline")).to_have_text("Вашият номер е А004")
        expect(last.locator("#stale")).to_be_hidden()
        stop.set()
    expect(last.locator("#stale")).to_be_visible(timeout=10000)
    expect(last.locator("#stale")).to_contain_text("няма нови данни от приемната")
    shoot(last, tmp_path, "centre-stale-bg.png", DOCS, full_page=False)
    context.close()
