"""The counter panel and the lobby board in Debian's Chromium against a live uvicorn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import MessageEvent, TicketEvent
from kiosk.queue import Arrival, Queue, Status, TicketView
from tests.browser_fixtures import (
    assert_one_row,
    bar_links,
    desk_context,
    missing_icons,
    needs_chromium,
    shoot,
)
from tests.report_fixtures import build_evening
from tests.support import Clock
from tests.web_fixtures import PASSWORD, LiveServer, serve

DOCS = Path(__file__).resolve().parent.parent / "docs"

pytestmark = needs_chromium


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="bg-BG")
    yield ctx
    ctx.close()


def sign_in(ctx: BrowserContext, live: LiveServer, username: str) -> Page:
    page = ctx.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    return page


def test_call_shows_on_board_then_recall_transfer_no_show(
    live: LiveServer,
    browser: Browser,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    first, second = queue.issue(category="А"), queue.issue(category="А")

    board_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    board = board_ctx.new_page()
    board.goto(f"{live.url}/board")
    expect(board.locator("#waiting li").first.locator(".count")).to_have_text("2")

    panel = sign_in(context, live, "maria")
    expect(panel).to_have_url(f"{live.url}/panel")
    expect(panel.locator("#waiting-labels option")).to_have_count(2)
    with panel.expect_response(f"{live.url}/api/panel/call"):
        panel.click("[data-action=call]")
    newest = board.locator("#calls li.newest")
    expect(newest.locator(".num")).to_have_text(first.label, timeout=1000)
    expect(newest.locator(".ctr")).to_have_text("1")
    expect(panel.locator("#current-label")).to_have_text(first.label)

    # recall by the keyboard shortcut; each key's request answered before the next key, as
    # two requests sent at once may be served in either order
    with panel.expect_response(f"{live.url}/api/panel/recall"):
        panel.keyboard.press("r")
    panel.keyboard.press("s")
    expect(panel.locator("#current-status")).to_have_text("Обслужва се")

    panel.select_option("#transfer-target", "category:Б")
    panel.fill("#transfer-form input[name=reason]", "данъчна оценка")
    panel.click("#transfer-form button")
    expect(panel.locator("#current-label")).to_have_text("—")
    moved = queue.ticket(first.uuid)
    assert moved is not None and moved.status is Status.WAITING and moved.category_code == "Б"

    panel.click("[data-action=call]")
    expect(panel.locator("#current-label")).to_have_text(second.label)
    expect(board.locator("#calls li.newest .num")).to_have_text(second.label)
    panel.click("[data-action=no-show]")
    expect(panel.locator("#current-label")).to_have_text("—")
    assert queue.ticket(second.uuid).status is Status.NO_SHOW

    with sqlite_db.read() as s:
        events = s.execute(
            select(TicketEvent.kind, TicketEvent.clerk, TicketEvent.counter_number)
            .where(TicketEvent.kind != "issued")
            .order_by(TicketEvent.seq)
        ).all()
    assert [e.kind for e in events] == [
        "called",
        "recalled",
        "serving",
        "transferred",
        "called",
        "no_show",
    ]
    assert {e.clerk for e in events} == {"maria"}
    board_ctx.close()


def test_wrong_password_is_refused(live: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", "not the password")
    with page.expect_response(f"{live.url}/login") as response:
        page.click("button.primary")
    assert response.value.status == 401
    expect(page.locator(".error")).to_be_visible()
    assert page.context.request.get(f"{live.url}/api/panel").status == 401


def test_form_without_csrf_token_is_refused(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    page = sign_in(context, live, "admin")
    expect(page).to_have_url(f"{live.url}/admin")
    response = context.request.post(
        f"{live.url}/admin/counters/1", form={"categories": "Б", "active": "on"}
    )
    assert response.status == 403
    response = context.request.post(f"{live.url}/api/panel/call")
    assert response.status == 403
    counter_1 = Queue(sqlite_db, config, clock=clock).status().counters[0]
    assert counter_1.categories == ("А", "П")


def test_visitor_script_shows_as_text(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    text = '<script>window.pwned = 1</script><img src=x onerror="window.pwned=2"> Бавно'
    Messages(sqlite_db, config, clock=clock).submit(Draft(kind=Kind.OPINION, text=text))
    page = sign_in(context, live, "admin")
    shown = page.locator("#feedback .text").first
    expect(shown).to_have_text(text)
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#feedback script, #feedback img").count() == 0


def test_screenshots_at_full_hd(
    live: LiveServer,
    browser: Browser,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    for code in "ААБВГАП":
        queue.issue(category=code)
    for counter in (2, 3, 4, 1):
        queue.call_next(counter=counter, clerk="demo")
    panel = sign_in(context, live, "maria")
    expect(panel.locator("#current-label")).to_have_text("А001")
    panel.locator("#served-today").wait_for()
    board = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{live.url}/board")
    expect(board.locator("#calls li.newest .num")).to_have_text("А001")
    shots = {"web-panel.png": panel, "web-board.png": board}
    for name, page in shots.items():
        shoot(page, tmp_path, name, DOCS, full_page=False)
        with Image.open(tmp_path / name) as image:
            assert image.size == (1920, 1080)
    board.context.close()


def test_board_speaks_calls_and_reconnects_after_restart(
    web_app, browser: Browser, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    queue.issue(category="Б")
    queue.issue(category="Б")
    server = serve(web_app)
    port = server.url.rsplit(":", 1)[1]
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    board = ctx.new_page()
    board.goto(f"{server.url}/board")
    expect(board.locator("#waiting li").nth(1).locator(".count")).to_have_text("2")
    board.click("#sound")
    with board.expect_response(lambda r: "/api/announce/" in r.url) as wav:
        queue.call_next(counter=3, clerk="ivan")
    assert wav.value.status in (200, 206) and wav.value.headers["content-type"] == "audio/wav"
    assert web_app.state.site.announcements.announcer.calls == [("Б001", 3, "bg")]

    server.stop()
    expect(board.locator("#reconnecting")).to_be_visible(timeout=10_000)
    assert queue.call_next(counter=3, clerk="ivan", previous=Arrival.ARRIVED).label == "Б002"
    server = serve(web_app, port=int(port))
    try:
        expect(board.locator("#reconnecting")).to_be_hidden(timeout=10_000)
        expect(board.locator("#calls li.newest .num")).to_have_text("Б002")
        expect(board.locator("#calls li.newest .ctr")).to_have_text("3")
    finally:
        server.stop()
        ctx.close()


BOARD_SIZES = [(1280, 720), (1366, 768), (1920, 1080), (1080, 1920)]


def _six_calls(queue: Queue) -> None:
    for code in "ААББВГГА":
        queue.issue(category=code)
    for counter in (1, 2, 3, 4, 1, 3):
        queue.call_next(counter=counter, clerk="demo", previous=Arrival.ARRIVED)


# four more categories than the config's five, with names as long as a site gives them
MORE_CATEGORIES = {
    "Д": ("Местни данъци и такси за битови отпадъци", "Local taxes and waste collection fees"),
    "Е": ("Гражданско състояние и адресна регистрация", "Civil status and address registration"),
    "Ж": ("Устройство на територията и строителство", "Spatial planning and construction"),
    "З": ("Социални услуги и помощи", "Social services and benefits"),
}


def _nine_categories(db: Database, config: Config, clock: Clock) -> None:
    counters = Counters(db, config, clock=clock)
    for code, (name_bg, name_en) in MORE_CATEGORIES.items():
        counters.save_category(
            actor="admin", code=code, name_bg=name_bg, name_en=name_en, create=True
        )
    fourth = next(c for c in counters.setups() if c.number == 4)
    counters.save_counter(
        actor="admin", number=4, categories=[*fourth.categories, *MORE_CATEGORIES], active=True
    )
    queue = Queue(db, config, clock=clock)
    for code in MORE_CATEGORIES:
        queue.issue(category=code)


@pytest.mark.parametrize(("width", "height"), BOARD_SIZES, ids=lambda v: str(v))
def test_the_board_shows_all_six_calls_and_nine_categories_on_common_tv_sizes(
    live: LiveServer,
    browser: Browser,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
    width: int,
    height: int,
) -> None:
    # GIVEN nine ticket categories, each with someone waiting, and six calls today
    _nine_categories(sqlite_db, config, clock)
    _six_calls(Queue(sqlite_db, config, clock=clock))
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="bg-BG")
    board = ctx.new_page()
    board.goto(f"{live.url}/board")
    expect(board.locator("#calls li")).to_have_count(6)
    expect(board.locator("#waiting li").first).to_be_visible()
    # (the screenshot first: docs/board-*.png, and what to look at when this fails)
    name = f"board-{width}x{height}.png"
    shoot(board, tmp_path, name, DOCS, full_page=False)
    # THEN every call, its number and its counter, lies whole inside the screen, unclipped,
    # and so does each category's waiting count (measured at one moment: the board redraws)
    shown = board.evaluate(
        """() => {
          // a part counts as shown inside the screen and inside its section (which clips)
          const rect = (e) => { const r = e.getBoundingClientRect();
            const c = e.closest('section, aside').getBoundingClientRect();
            return [Math.min(r.left - c.left, r.left), Math.min(r.top - c.top, r.top),
                    Math.max(r.right - c.right + innerWidth, r.right),
                    Math.max(r.bottom - c.bottom + innerHeight, r.bottom)]; };
          const calls = [...document.querySelectorAll('#calls li')];
          return {
            parts: calls.flatMap((li) => [li, li.querySelector('.num'), li.querySelector('.ctr')]).map(rect),
            clipped: calls.filter((li) => li.scrollHeight > li.clientHeight + 1).length,
            waiting: [...document.querySelectorAll('#waiting li')].map(rect),
            counts_px: [...document.querySelectorAll('#waiting .count')].map(
              (e) => parseFloat(getComputedStyle(e).fontSize)),
          };
        }"""
    )
    assert len(shown["parts"]) == 18 and len(shown["waiting"]) == 9
    for left, top, right, bottom in shown["parts"] + shown["waiting"]:
        assert left >= 0 and top >= 0 and right <= width + 0.5 and bottom <= height + 0.5, (
            width,
            height,
            (left, top, right, bottom),
        )
    assert shown["clipped"] == 0, f"a call is cut at {width}x{height}"
    # a waiting count is read from across the lobby: no smaller than some 28 px on any TV
    assert min(shown["counts_px"]) >= 28, shown["counts_px"]
    # and the site's own names, from kiosk.toml, head the board
    expect(board.locator(".board-title")).to_have_text(
        f"{config.site.name.bg} · {config.site.unit.bg}"
    )
    ctx.close()


def test_an_admin_sets_up_a_category_and_a_counter_in_the_browser(
    live: LiveServer,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    admin = sign_in(context, live, "admin")
    admin.goto(f"{live.url}/admin/setup")
    form = admin.locator("#new-category")
    form.locator("input[name=code]").fill("Д")
    form.locator("input[name=name_bg]").fill("Социални услуги")
    form.locator("input[name=name_en]").fill("Social services")
    form.locator("input[name=counter_groups]").fill("social")
    form.locator("button").click()
    expect(admin.locator("#category-Д")).to_be_visible()
    counter = admin.locator("#new-counter")
    counter.locator("input[name=number]").fill("5")
    counter.locator("input[name=name_bg]").fill("Гише 5")
    counter.locator("input[name=name_en]").fill("Counter 5")
    counter.locator("button").click()  # no category ticked: refused with the form
    expect(admin.locator("p.error")).to_have_text("Всяко гише обслужва поне една категория номера.")
    counter.locator("input[name=number]").fill("5")
    counter.locator("input[name=name_bg]").fill("Гише 5")
    counter.locator("input[name=name_en]").fill("Counter 5")
    counter.locator("input[value=Д]").check()
    counter.locator("button").click()
    expect(admin.locator("#counter-5")).to_be_visible()
    expect(admin.locator("#changes")).to_contain_text("Добавено гише 5")
    assert Queue(sqlite_db, config, clock=clock).issue(category="Д").counters == (5,)
    shots = {"web-admin-setup.png": "/admin/setup", "web-admin.png": "/admin"}
    for name, path in shots.items():
        admin.goto(f"{live.url}{path}")
        # every table stays inside its card on the admin's 1920 px screen
        spill = admin.evaluate(
            """() => [...document.querySelectorAll('.card table')].filter((t) =>
                 t.getBoundingClientRect().right > t.closest('.card').getBoundingClientRect().right + 1
               ).map((t) => t.closest('.card').id + ':' + Math.round(t.getBoundingClientRect().right) + '>' + Math.round(t.closest('.card').getBoundingClientRect().right))"""
        )
        assert spill == [], f"a table overflows its card on {path}: {spill}"
        shoot(admin, tmp_path, name, DOCS)


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_admins_bar_is_one_row_on_a_1366_laptop(
    live: LiveServer, browser: Browser, lang: str
) -> None:
    # the admin's bar has the most links; 1366×768 is the municipality's common office
    # laptop, and the Bulgarian labels are the longer
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="bg-BG")
    try:
        admin = sign_in(context, live, "admin")
        if lang == "en":
            admin.click("form[action='/language'] button")
        expect(admin.locator("html")).to_have_attribute("lang", lang)
        links = bar_links(admin)
    finally:
        context.close()
    assert len(links) == 6
    assert_one_row(links)  # the row the laptop showed had labels broken in two


def test_the_sign_in_fields_line_up_under_their_labels(live: LiveServer, browser: Browser) -> None:
    # in Bulgarian "Потребителско име" pushed its field to a line of its own, the password's
    # stayed beside its label: two fields out of line in a small card
    context = desk_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{live.url}/login")
        boxes = [page.locator(f"input[name={n}]").bounding_box() for n in ("username", "password")]
        label = page.locator("form.login label").first.bounding_box()
    finally:
        context.close()
    # each field under its label, at the label's left, both as wide
    assert boxes[0]["x"] == boxes[1]["x"] == label["x"], (boxes, label)
    assert boxes[0]["width"] == boxes[1]["width"]


def test_api_docs_render_from_the_package_under_the_strict_csp(
    live: LiveServer, context: BrowserContext, tmp_path: Path
) -> None:
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live.url) else outside.append(r.url))
    response = page.goto(f"{live.url}/docs")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("staff web")
    expect(page.locator(".opblock-summary-path", has_text="/api/board").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "web-docs.png"))
    assert refused == [] and outside == []
    assert page.request.get(f"{live.url}/redoc").status == 404  # dropped: /docs and the JSON


def test_the_pages_ask_for_nothing_that_is_not_there(live: LiveServer, browser: Browser) -> None:
    # a missing stylesheet, script or icon shows as a broken page only on some screens; a
    # fresh context, as a clerk's browser of the morning, has nothing cached
    context = desk_context(browser)
    missing: list[str] = []
    context.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    try:
        page = context.new_page()
        for path in ("/login", "/board"):  # the sign-in page, and the lobby board
            page.goto(f"{live.url}{path}")
            page.wait_for_load_state("networkidle")
        for username in ("admin", "maria"):  # the admin's page, then the clerk's panel
            signed_in = sign_in(context, live, username)
            signed_in.wait_for_load_state("networkidle")
            signed_in.close()
        missing += missing_icons(context, live.url, page)
    finally:
        context.close()
    assert missing == []


def test_the_panel_asks_whether_a_called_visitor_came_before_the_next_call(
    live: LiveServer,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    first, second, third = (queue.issue(category="А") for _ in range(3))
    panel = sign_in(context, live, "maria")
    expect(panel.locator("#waiting-labels option")).to_have_count(3)  # the panel has loaded
    panel.keyboard.press("n")
    expect(panel.locator("#current-label")).to_have_text(first.label)
    # GIVEN the called visitor never came to the counter, WHEN the clerk presses N again
    panel.keyboard.press("n")
    # THEN the panel asks, in Bulgarian, and nothing is recorded yet
    ask = panel.locator("#ask-arrival")
    expect(ask).to_be_visible()
    expect(panel.locator("#ask-text")).to_contain_text(f"{first.label} е извикан")
    assert queue.ticket(first.uuid).status is Status.CALLED
    name = "web-panel-ask.png"
    shoot(panel, tmp_path, name, DOCS, full_page=False)
    # WHEN the clerk answers "did not come" THEN it is a no-show and the next one is called
    ask.locator("[data-previous=no_show]").click()
    expect(panel.locator("#current-label")).to_have_text(second.label)
    expect(ask).to_be_hidden()
    assert queue.ticket(first.uuid).status is Status.NO_SHOW
    # and "Cancel" leaves the called ticket as it is
    panel.keyboard.press("n")
    ask.locator("[data-previous='']").click()
    expect(ask).to_be_hidden()
    assert queue.ticket(second.uuid).status is Status.CALLED
    assert queue.ticket(third.uuid).status is Status.WAITING


def test_a_refused_extension_redirects_so_a_reload_sends_nothing_and_keeps_the_typed_text(
    live: LiveServer,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
) -> None:
    reg = Messages(sqlite_db, config, clock=clock).submit(
        Draft(
            kind=Kind.COMPLAINT,
            text="Чаках два часа.",
            name="Иван Петров",
            contact="0888 123 456",
            consent=True,
        )
    )
    page = sign_in(context, live, "admin")
    entry_url = f"{live.url}/register/{reg.reg_number}"
    page.goto(entry_url)
    page.click("form[action$='/review'] button")
    reason = "Чакаме справка от НАП за данъчната оценка."
    yesterday = (clock.now.astimezone(config.tz).date() - dt.timedelta(days=1)).isoformat()
    page.fill("form[action$='/extend'] textarea[name=text]", reason)
    page.fill("form[action$='/extend'] input[name=final_due_date]", yesterday)
    page.click("form[action$='/extend'] button")
    # the refusal, in Bulgarian, on the entry's own address: the POST is behind a redirect
    expect(page.locator("p.error[role=alert]")).to_have_text(
        "Окончателният срок трябва да е след днешния ден."
    )
    assert unquote(page.url) == entry_url
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.reload()
    # a reload only asks for the page again: nothing is posted, the typed text is still there
    expect(page.locator("form[action$='/extend'] textarea[name=text]")).to_have_value(reason)
    expect(page.locator("form[action$='/extend'] input[name=final_due_date]")).to_have_value(
        yesterday
    )
    expect(page.locator("p.error[role=alert]")).to_be_visible()
    assert posts == []
    with sqlite_db.read() as s:
        kinds = list(s.scalars(select(MessageEvent.kind)))
    assert "extended" not in kinds
    # a step that goes through ends the flash: the page shows neither message nor old text
    page.fill("form[action$='/answer'] textarea[name=text]", "Отговорено писмено.")
    page.click("form[action$='/answer'] button")
    expect(page.locator("form[action$='/extend']")).to_have_count(0)  # answered: no handling
    page.reload()
    expect(page.locator("p.error[role=alert]")).to_have_count(0)


def _maria_with_two_waiting(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> tuple[Queue, TicketView, TicketView, Page]:
    """Two А tickets waiting, and counter 1's clerk on her panel, which lists both."""
    queue = Queue(sqlite_db, config, clock=clock)
    first, second = queue.issue(category="А"), queue.issue(category="А")
    panel = sign_in(context, live, "maria")
    expect(panel.locator("#waiting-labels option")).to_have_count(2)
    return queue, first, second, panel


def test_the_panel_says_what_each_press_did_and_that_its_counter_is_closed(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    _, first, second, panel = _maria_with_two_waiting(live, context, sqlite_db, config, clock)
    message = panel.locator("#message")
    # WHEN the clerk calls, serves and finishes THEN each press is said with its number
    panel.click("[data-action=call]")
    expect(message).to_have_text(f"{first.label} е извикан.")
    panel.click("[data-action=start]")
    expect(message).to_have_text(f"{first.label} се обслужва.")
    panel.click("[data-action=finish]")
    expect(message).to_have_text(f"{first.label} е обслужен.")
    panel.click("[data-action=call]")
    panel.click("[data-action=no-show]")
    expect(message).to_have_text(f"{second.label} не се яви.")
    # GIVEN the admin closes counter 1 for lunch WHEN its panel is opened
    counters = Counters(sqlite_db, config, clock=clock)
    mine = next(c for c in counters.setups() if c.number == 1)
    counters.save_counter(actor="admin", number=1, categories=list(mine.categories), active=False)
    # THEN the open panel says it is closed at once (no ticket event: the set-up change wakes
    # it), and so does the panel opened again
    note = panel.locator("#closed-note")
    call = panel.locator("[data-action=call]")
    expect(note).to_contain_text("Гише 1 е затворено")
    expect(call).to_be_disabled()
    panel.reload()
    expect(note).to_contain_text("Гише 1 е затворено")
    expect(message).to_have_text("")
    # WHEN the admin reopens it THEN the panel offers calls again, with no ticket taken since
    counters.save_counter(actor="admin", number=1, categories=list(mine.categories), active=True)
    expect(note).to_be_hidden()
    expect(call).to_be_enabled()
    expect(message).to_have_text("")
    expect(panel.locator("#current-status")).to_have_text("Няма извикан номер")


def test_the_clerk_closes_her_counter_for_a_break_and_reopens_it(
    live: LiveServer,
    context: BrowserContext,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    tmp_path: Path,
) -> None:
    queue, first, second, panel = _maria_with_two_waiting(live, context, sqlite_db, config, clock)
    message = panel.locator("#message")
    close, reopen = panel.locator("#close-counter"), panel.locator("#open-counter")
    expect(reopen).to_be_hidden()
    # GIVEN a called visitor WHEN the clerk closes for lunch THEN she is told to finish first
    panel.click("[data-action=call]")
    expect(panel.locator("#current-label")).to_have_text(first.label)
    close.click()
    expect(message).to_have_text(
        f"{first.label} е още на гишето: първо го приключете"
        " („Приключи“, „Не се яви“ или „Пренасочване“), после затворете гишето."
    )
    assert 1 in [c.number for c in queue.status().counters]
    # WHEN the visitor is served and she closes THEN the panel says so and offers reopening,
    # and no call the server would refuse (409) is offered
    panel.click("[data-action=finish]")
    close.click()
    note = panel.locator("#closed-note")
    calls = panel.locator("[data-action], #transfer-form button, #call-ticket-form button")
    closed_text = (
        "Гише 1 е затворено: не може да се вика номер."
        " Натиснете „Отвори гишето отново“ по-долу, когато се върнете."
    )
    expect(note).to_have_text(closed_text)
    expect(message).to_have_text("")
    expect(reopen).to_be_visible()
    expect(close).to_be_hidden()
    assert calls.count() == 7
    for button in calls.all():
        expect(button).to_be_disabled()
    assert 1 not in [c.number for c in queue.status().counters]
    # the keys call nothing either
    posted: list[str] = []
    panel.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    panel.keyboard.press("n")
    # and a reload after lunch still shows the counter closed, with who waits for her
    panel.reload()
    expect(note).to_have_text(closed_text)
    expect(reopen).to_be_visible()
    expect(calls.first).to_be_disabled()
    waiting_a = panel.locator("#waiting-categories li", has_text="А · ")
    expect(waiting_a).to_have_text("А · Гражданско състояние (ГРАО): 1")
    expect(panel.locator("#waiting-labels option")).to_have_text([second.label])
    assert posted == []
    shoot(panel, tmp_path, "web-panel-closed.png", DOCS)
    # WHEN she reopens THEN the counter calls the next visitor again
    reopen.click()
    expect(message).to_have_text("Гише 1 е отворено отново.")
    expect(close).to_be_visible()
    expect(note).to_be_hidden()
    for button in calls.all():
        expect(button).to_be_enabled()
    panel.click("[data-action=call]")
    expect(panel.locator("#current-label")).to_have_text(second.label)


def test_a_refused_out_of_turn_call_keeps_the_typed_reason(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    queue = Queue(sqlite_db, config, clock=clock)
    queue.issue(category="А")
    wanted = queue.issue(category="А")
    panel = sign_in(context, live, "maria")
    expect(panel.locator("#waiting-labels option")).to_have_count(2)
    panel.select_option("#waiting-labels", wanted.label)
    reason = panel.locator("#call-ticket-form input[name=reason]")
    reason.fill("Възрастен човек с бастун")
    # GIVEN the counter is closed while the clerk types, before her panel hears of it (its
    # reads held back: it learns of a close within a poll, and then offers no call)
    status_read = f"{live.url}/api/panel"
    panel.route(status_read, lambda route: route.abort())
    counters = Counters(sqlite_db, config, clock=clock)
    mine = next(c for c in counters.setups() if c.number == 1)
    counters.save_counter(actor="admin", number=1, categories=list(mine.categories), active=False)
    # WHEN the call is refused
    panel.click("#call-ticket-form button")
    expect(panel.locator("#message")).to_contain_text("Гише 1 е затворено")
    # THEN the reason is still there to send again once it is open
    expect(reason).to_have_value("Възрастен човек с бастун")
    panel.unroute(status_read)
    counters.save_counter(actor="admin", number=1, categories=list(mine.categories), active=True)
    panel.click("#call-ticket-form button")
    expect(panel.locator("#current-label")).to_have_text(wanted.label)
    expect(reason).to_have_value("")


def test_the_report_of_a_day_picked_on_the_page_counts_the_evening(
    live: LiveServer, context: BrowserContext, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    day = build_evening(sqlite_db, config)
    clock.set(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9), tzinfo=config.tz))
    page = sign_in(context, live, "admin")
    page.goto(f"{live.url}/reports")
    # GIVEN the page WHEN the officer picks the day in its date field and asks for it
    page.fill("#day-form input[type=date]", day.isoformat())
    page.click("#day-form button")
    # THEN the day's report, its one visitor served after closing counted
    expect(page.locator("h2").first).to_contain_text("четвъртък, 3 декември 2026")
    expect(page.locator("#summary tr").nth(1)).to_contain_text("Отчетени оценки1")
    assert page.url.endswith(f"/reports?period={day.isoformat()}")
    expect(page.locator(f"a[href='/reports/{day.isoformat()}.xlsx']")).to_be_visible()
