"""Debian's Chromium under playwright, for the browser tests of a site's web and the centre's:
the browser, a clerk's desktop in Bulgarian, signing in, and screenshots for docs/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

from tests.web_fixtures import CHROMIUM_ARGS, PASSWORD

CHROMIUM = "/usr/bin/chromium"
#: for a browser test module: `pytestmark = needs_chromium`
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def desk_context(browser: Browser) -> BrowserContext:
    """A browser context as a clerk's desktop shows the staff web: 1366×900, in Bulgarian.
    Each user of a test signs in in a context of their own, as on their own PC."""
    return browser.new_context(viewport={"width": 1366, "height": 900}, locale="bg-BG")


@pytest.fixture
def desk(browser: Browser) -> Iterator[BrowserContext]:
    """The first user's `desk_context`, closed after the test."""
    ctx = desk_context(browser)
    yield ctx
    ctx.close()


def sign_in(ctx: BrowserContext, url: str, username: str) -> Page:
    """A new page of `ctx`, signed in to the web at `url` (a site's or the centre's, which
    share the form) as `username`, with the tests' password."""
    page = ctx.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    return page


def bar_links(page: Page) -> list[dict]:
    """Each link of the staff bar: its label, the top of its box and the lines its text takes."""
    return page.locator(".topbar nav a").evaluate_all(
        """(links) => links.map((a) => {
             const text = document.createRange();
             text.selectNodeContents(a);
             return {label: a.textContent, top: a.getBoundingClientRect().top,
                     lines: text.getClientRects().length};
           })"""
    )


def assert_one_row(links: list[dict]) -> None:
    """The bar's links on one row, and no label broken over two lines inside it."""
    assert {link["top"] for link in links} == {links[0]["top"]}, links
    assert [link["lines"] for link in links] == [1] * len(links), links


def missing_icons(ctx: BrowserContext, url: str, page: Page) -> list[str]:
    """Of the icon `page` links and the root's `/favicon.ico` (a browser asks for it whatever a
    page links; a headless one asks for neither, so the test does), those not served as one."""
    linked = page.locator("link[rel=icon]").get_attribute("href")
    missing = []
    for path in sorted({str(linked), "/favicon.ico"}):
        icon = ctx.request.get(f"{url}{path}")
        if not icon.ok or icon.body()[:4] != b"\x00\x00\x01\x00":  # an icon file's first bytes
            missing.append(path)
    return missing


def shoot(
    target: Page | Locator, tmp_path: Path, name: str, docs: Path, *, full_page: bool = True
) -> Path:
    """A screenshot of a page (whole, or as the window shows it) or of one element, into
    `tmp_path`; with KIOSK_DOCS_SCREENSHOTS set, also into the `docs` folder the README shows.
    A plain test run leaves the tracked pictures alone: only a run meant to renew them does."""
    path = tmp_path / name
    if isinstance(target, Page):
        target.screenshot(path=str(path), full_page=full_page)
    else:
        target.screenshot(path=str(path))
    if os.environ.get("KIOSK_DOCS_SCREENSHOTS"):
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, docs / name)
    return path
