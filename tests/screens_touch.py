"""Touching the real Kivy app in tests: taps through the window, keys on the on-screen keyboard."""

from __future__ import annotations

import os
import time
from typing import Any


def tap(widget: Any, frames: int = 2) -> None:
    """A finger down and up at the widget's centre, through the window like a real touch."""
    from kivy.tests.common import UnitTestTouch

    from screens import headless

    headless.pump(1)  # a screen switched to just now is in the window from the next frame
    assert widget.get_root_window() is not None, f"{widget} is not on screen"
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    _as_the_loop_does(touch.touch_down)
    headless.pump(1)
    if _in_scroll_view(widget):
        # a ScrollView holds a touch back until it knows it is not a scroll: a finger stays
        # down a little, as a real one does
        deadline = time.monotonic() + 0.25
        while time.monotonic() < deadline:
            headless.pump(1)
    _as_the_loop_does(touch.touch_up)
    headless.pump(frames)


def _as_the_loop_does(step: Any) -> None:
    """A touch's handlers run, their error going to Kivy's ExceptionManager as in `App.run()`."""
    from kivy.base import ExceptionManager

    try:
        step()
    except BaseException as exc:
        if ExceptionManager.handle_exception(exc) == ExceptionManager.RAISE:
            raise


def _in_scroll_view(widget: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    while widget is not None and widget.parent is not widget:
        if isinstance(widget, ScrollView):
            return True
        widget = widget.parent
    return False


def type_keys(keyboard: Any, text: str) -> None:
    """Tap the on-screen keyboard's keys for each character, in its current layout."""
    from kivy.tests.common import UnitTestTouch

    from screens import headless

    headless.pump(2)  # a keyboard that just changed layout is drawn before it is touched
    keys = keyboard.ids.keypad
    layout = keys.available_layouts[keys.layout]
    for char in text:
        where = None
        for line in range(1, layout["rows"] + 1):
            for index, key in enumerate(layout[f"normal_{line}"]):
                if key[1] == char:
                    where = (line, index)
        assert where is not None, f"no key {char!r} on the {keys.layout} layout"
        (kx, ky), (kw, kh) = keys.layout_geometry[f"LINE_{where[0]}"][where[1]]
        x, y = keys.to_window(kx + kw / 2, ky + kh / 2)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        headless.pump(1)


def wait_for(condition: Any, *, seconds: float = 10.0) -> None:
    """Draw frames until the condition holds (background work reports through the Clock)."""
    from screens import headless

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the screen did not get there in time"
        headless.pump(1)


def texts(widget: Any) -> str:
    """Every label's text under a widget, joined: what a visitor can read there."""
    from kivy.uix.label import Label

    found = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if isinstance(w, Label) and w.text:
            found.append(w.text)
        stack.extend(w.children)
    return "\n".join(found)


def shown(widget: Any) -> bool:
    """Whether a visitor can see the widget: it and all its parents drawn and not collapsed."""
    while widget is not None and widget.parent is not widget:
        if getattr(widget, "opacity", 1) == 0 or widget.width <= 1 or widget.height <= 1:
            return False
        widget = widget.parent
    return True


def long_press_corner(app: Any, seconds: float) -> None:
    """A finger held in the top-left corner (the staff gesture) for this long."""
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from screens import headless

    touch = UnitTestTouch(20, Window.height - 20)
    touch.touch_down()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        headless.pump(1)
    touch.touch_up()
    headless.pump(2)


def open_staff_screen(app: Any) -> Any:
    """Staff's way in: the corner held for 3.3 s, then the PIN typed on its pad; the screen."""
    long_press_corner(app, 3.3)
    admin = app.root.manager.current_screen
    tap(admin.ids.pin)
    type_keys(admin.ids.keyboard, os.environ["KIOSK_TEST_PIN"])
    tap(admin.ids.unlock)
    assert admin.step == "open"
    return admin
