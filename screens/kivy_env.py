"""Kivy's process setup, done before Kivy is imported: headless rendering and lockdown.

Kivy reads its environment and its config file at import time and fixes the window's
options when the window is created, so everything here must run first.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from pathlib import Path


def _not_an_unused_provider(record: logging.LogRecord) -> bool:
    # Kivy probes providers the kiosk never uses and logs each that is missing as an ERROR
    # or CRITICAL with tracebacks: every Linux touch provider at import (MTDev without
    # libmtdev; `configure` keeps none of them) and, on X11, the primary selection's tools
    # (xclip, xsel; a public kiosk copies nothing). The person installing it read them as
    # the kiosk failing.
    message = str(record.msg)
    return not (
        (message.startswith("Input: ") and "is not supported" in message)
        or message.startswith("Cutbuffer: Unable to find any valuable Cutbuffer provider")
    )


def prepare(*, kivy_home: Path | None = None, headless: bool | None = None) -> None:
    """Set Kivy's environment; headless (no display) renders through SDL's offscreen driver.

    Also holds Python's cyclic garbage collector off until the app's first frame (see
    `KioskApp._first_frame`): the start creates hundreds of thousands of objects that live as
    long as the kiosk, and collecting among them cost about a tenth of the start-up.
    """
    gc.disable()
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    # Kivy's own log mode takes over stderr; errors must stay where Python puts them.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    logging.getLogger("kivy").addFilter(_not_an_unused_provider)
    home = kivy_home or Path(tempfile.mkdtemp(prefix="kivy-home-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(home)
    if headless is None:
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        # SDL's offscreen driver gives a real OpenGL context (Mesa) with no display at all.
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        os.environ["KIVY_WINDOW"] = "sdl2"


def configure(*, size: tuple[int, int], fullscreen: bool) -> None:
    """Lock Kivy down for a public kiosk; call after prepare() and before the window exists."""
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("kivy", "log_level", "warning")
    Config.set("graphics", "show_cursor", "0")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "multisamples", "0")
    # no red dots from right-clicks, no touch devices probed beyond the screen itself
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for option in list(Config.options("input")):
        if option != "mouse":
            Config.remove_option("input", option)
    Config.set("postproc", "double_tap_time", "250")
    for option in list(Config.options("modules")):
        Config.remove_option("modules", option)
