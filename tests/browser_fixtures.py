"""Debian's Chromium under playwright, for the browser tests of a site's web and the centre's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.web_fixtures import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"
#: for a browser test module: `pytestmark = needs_chromium`
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
