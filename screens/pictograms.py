"""Pictograms drawn with Kivy's canvas: one for every category, rating reason and home action.

Keyed on plain names, and on `ServiceCategory` and `FeedbackReason` members (a member is
its name), so a category or a reason added without a drawing fails
tests/test_screens_pictograms.py.

Drawn, not copied: each is a few lines and circles in a unit square (y upwards),
scaled to the widget, in the theme's text colour, so they follow high contrast too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.properties import ColorProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.vocabulary import CounterGroup, FeedbackReason, ServiceCategory


class Pen:
    """Draws in unit coordinates inside a square box of the widget."""

    def __init__(self, x: float, y: float, size: float) -> None:
        self.x, self.y, self.s = x, y, size
        self.width = max(1.5, size * 0.035)

    def p(self, *points: float) -> list[float]:
        return [
            self.x + v * self.s if i % 2 == 0 else self.y + v * self.s for i, v in enumerate(points)
        ]

    def line(self, *points: float, close: bool = False, width: float = 1.0) -> None:
        Line(
            points=self.p(*points),
            width=self.width * width,
            close=close,
            joint="round",
            cap="round",
        )

    def rect(self, x: float, y: float, w: float, h: float, *, fill: bool = False) -> None:
        if fill:
            Rectangle(pos=self.p(x, y), size=(w * self.s, h * self.s))
        else:
            Line(rectangle=(*self.p(x, y), w * self.s, h * self.s), width=self.width, joint="round")

    def circle(self, cx: float, cy: float, r: float, *, fill: bool = False, arc=None) -> None:
        if fill:
            Ellipse(pos=self.p(cx - r, cy - r), size=(2 * r * self.s, 2 * r * self.s))
        else:
            args = (*self.p(cx, cy), r * self.s) + (tuple(arc) if arc else ())
            Line(circle=args, width=self.width)


@dataclass(frozen=True)
class Face:
    """A rating face, told from its neighbours by more than how far the mouth bends."""

    mouth: float  # -1 a deep frown, 0 a straight line, +1 a broad smile
    open_mouth: bool = False  # a laugh: the smile closed by a line across, wider and deeper
    brows: bool = False  # frowning brows
    smiling_eyes: bool = False  # eyes as arcs, as when one laughs, not dots

    def __call__(self, pen: Pen) -> None:
        pen.circle(0.5, 0.5, 0.44)
        for x in (0.35, 0.65):
            if self.smiling_eyes:
                pen.circle(x, 0.58, 0.07, arc=(-70, 70))
            else:
                pen.circle(x, 0.62, 0.05, fill=True)
        if self.brows:
            pen.line(0.27, 0.76, 0.42, 0.71)
            pen.line(0.73, 0.76, 0.58, 0.71)
        half, depth = (0.22, 0.17) if self.open_mouth else (0.2, 0.1)
        steps = 12
        points: list[float] = []
        for i in range(steps + 1):
            x = 0.5 - half + 2 * half * i / steps
            bend = 1 - ((x - 0.5) / half) ** 2  # 1 in the middle, 0 at the ends
            points += [x, 0.33 - depth * self.mouth * bend + (0.05 if self.mouth < 0 else 0)]
        pen.line(*points, close=self.open_mouth)


def _person(pen: Pen, cx: float, scale: float = 1.0) -> None:
    pen.circle(cx, 0.68, 0.1 * scale)
    pen.circle(cx, 0.12, 0.28 * scale, arc=(-90, 90))


def _ticket(pen: Pen) -> None:
    pen.line(
        0.15,
        0.2,
        0.85,
        0.2,
        0.85,
        0.42,
        0.8,
        0.5,
        0.85,
        0.58,
        0.85,
        0.8,
        0.15,
        0.8,
        0.15,
        0.58,
        0.2,
        0.5,
        0.15,
        0.42,
        close=True,
    )
    pen.line(0.32, 0.62, 0.68, 0.62)
    pen.line(0.32, 0.5, 0.6, 0.5)
    pen.line(0.32, 0.38, 0.68, 0.38)


def _document(pen: Pen) -> None:
    pen.line(0.22, 0.08, 0.78, 0.08, 0.78, 0.7, 0.58, 0.92, 0.22, 0.92, close=True)
    pen.line(0.58, 0.92, 0.58, 0.7, 0.78, 0.7)
    for y in (0.55, 0.42, 0.29):
        pen.line(0.32, y, 0.68, y)


def _bubble_outline(pen: Pen) -> None:
    pen.line(
        0.1, 0.35, 0.1, 0.88, 0.9, 0.88, 0.9, 0.35, 0.45, 0.35, 0.25, 0.14, 0.28, 0.35, close=True
    )


def _bubble(pen: Pen) -> None:
    _bubble_outline(pen)
    pen.line(0.25, 0.7, 0.75, 0.7)
    pen.line(0.25, 0.53, 0.6, 0.53)


def _harsh_words(pen: Pen) -> None:
    """Impolite staff: a shout, as comics draw it — a spiky balloon with "!" in it.

    A plain bubble with a zigzag inside read as a chart or a scribble at chip size.
    """
    cx, cy, corners = 0.56, 0.58, 24
    points: list[float] = []
    for i in range(corners):
        angle = 2 * math.pi * i / corners
        rx, ry = (0.42, 0.36) if i % 2 == 0 else (0.33, 0.27)
        points += [cx + rx * math.cos(angle), cy + ry * math.sin(angle)]
    pen.line(*points, close=True)
    pen.line(0.29, 0.42, 0.08, 0.08, 0.4, 0.35)  # the tail, towards the one spoken to
    pen.line(cx, 0.77, cx, 0.55, width=1.7)
    pen.circle(cx, 0.43, 0.05, fill=True)


def _hourglass(pen: Pen) -> None:
    pen.line(0.22, 0.92, 0.78, 0.92, width=1.3)
    pen.line(0.22, 0.08, 0.78, 0.08, width=1.3)
    pen.line(0.3, 0.92, 0.3, 0.8, 0.46, 0.5, 0.3, 0.2, 0.3, 0.08)
    pen.line(0.7, 0.92, 0.7, 0.8, 0.54, 0.5, 0.7, 0.2, 0.7, 0.08)
    # the sand that has run down, and its thread
    pen.line(0.36, 0.16, 0.64, 0.16, 0.5, 0.32, close=True)
    pen.line(0.5, 0.46, 0.5, 0.32)


def _question(pen: Pen) -> None:
    pen.circle(0.5, 0.66, 0.2, arc=(-80, 180))
    pen.line(0.5, 0.46, 0.5, 0.3, width=1.2)
    pen.circle(0.5, 0.14, 0.06, fill=True)


def _two_documents(pen: Pen) -> None:
    """Documents asked again: a second sheet behind the first."""
    pen.line(0.32, 0.78, 0.32, 0.92, 0.86, 0.92, 0.86, 0.24, 0.7, 0.24)
    pen.rect(0.14, 0.08, 0.56, 0.7)
    for y in (0.6, 0.45, 0.3):
        pen.line(0.24, y, 0.6, y)


def _fast_forward(pen: Pen) -> None:
    pen.line(0.08, 0.8, 0.5, 0.5, 0.08, 0.2, close=True)
    pen.line(0.5, 0.8, 0.92, 0.5, 0.5, 0.2, close=True)


def _smiling_person(pen: Pen) -> None:
    pen.circle(0.5, 0.7, 0.2)
    pen.circle(0.43, 0.75, 0.03, fill=True)
    pen.circle(0.57, 0.75, 0.03, fill=True)
    pen.circle(0.5, 0.7, 0.11, arc=(115, 245))
    pen.circle(0.5, 0.06, 0.34, arc=(-90, 90))


def _light_bulb(pen: Pen) -> None:
    pen.circle(0.5, 0.6, 0.28, arc=(-145, 145))
    pen.line(0.34, 0.37, 0.4, 0.24, 0.6, 0.24, 0.66, 0.37)
    pen.line(0.4, 0.16, 0.6, 0.16)
    pen.line(0.44, 0.08, 0.56, 0.08)


def _more(pen: Pen) -> None:
    for x in (0.2, 0.5, 0.8):
        pen.circle(x, 0.5, 0.08, fill=True)


def _globe(pen: Pen) -> None:
    pen.circle(0.5, 0.5, 0.42)
    pen.line(0.08, 0.5, 0.92, 0.5)
    pen.line(0.5, 0.08, 0.5, 0.92)
    Line(ellipse=(*pen.p(0.3, 0.08), 0.4 * pen.s, 0.84 * pen.s), width=pen.width)
    pen.line(0.16, 0.72, 0.84, 0.72)
    pen.line(0.16, 0.28, 0.84, 0.28)


def _letters(pen: Pen) -> None:
    pen.line(0.05, 0.2, 0.2, 0.6, 0.35, 0.2)
    pen.line(0.11, 0.35, 0.29, 0.35)
    pen.line(0.4, 0.15, 0.65, 0.85, 0.9, 0.15, width=1.4)
    pen.line(0.5, 0.4, 0.8, 0.4, width=1.4)


def _contrast(pen: Pen) -> None:
    pen.circle(0.5, 0.5, 0.42)
    for i in range(9):
        y = 0.1 + 0.8 * i / 8
        half = math.sqrt(max(0.0, 0.42**2 - (y - 0.5) ** 2))
        pen.line(0.5, y, 0.5 + half * 0.95, y)


def _back(pen: Pen) -> None:
    pen.line(0.85, 0.5, 0.15, 0.5, width=1.3)
    pen.line(0.45, 0.8, 0.15, 0.5, 0.45, 0.2, width=1.3)


def _home(pen: Pen) -> None:
    pen.line(0.08, 0.5, 0.5, 0.88, 0.92, 0.5, width=1.2)
    pen.line(0.2, 0.55, 0.2, 0.1, 0.8, 0.1, 0.8, 0.55)
    pen.rect(0.42, 0.1, 0.16, 0.28)


def _search(pen: Pen) -> None:
    pen.circle(0.42, 0.58, 0.27)
    pen.line(0.62, 0.38, 0.9, 0.1, width=1.6)


def _printer(pen: Pen) -> None:
    pen.rect(0.1, 0.32, 0.8, 0.36)
    pen.line(0.27, 0.68, 0.27, 0.9, 0.73, 0.9, 0.73, 0.68)
    pen.line(0.27, 0.4, 0.27, 0.08, 0.73, 0.08, 0.73, 0.4)
    pen.line(0.36, 0.26, 0.64, 0.26)
    pen.line(0.36, 0.16, 0.64, 0.16)


def _speaker(pen: Pen) -> None:
    pen.line(0.1, 0.38, 0.26, 0.38, 0.5, 0.16, 0.5, 0.84, 0.26, 0.62, 0.1, 0.62, close=True)
    pen.circle(0.5, 0.5, 0.2, arc=(45, 135))
    pen.circle(0.5, 0.5, 0.36, arc=(45, 135))


def _stop(pen: Pen) -> None:
    pen.rect(0.22, 0.22, 0.56, 0.56, fill=True)


def _repeat(pen: Pen) -> None:
    pen.circle(0.5, 0.5, 0.34, arc=(60, 390))
    pen.line(0.62, 0.92, 0.8, 0.77, 0.58, 0.66, width=1.2)


def _quieter(pen: Pen) -> None:
    pen.line(0.06, 0.38, 0.2, 0.38, 0.42, 0.16, 0.42, 0.84, 0.2, 0.62, 0.06, 0.62, close=True)
    pen.line(0.58, 0.5, 0.94, 0.5, width=1.4)


def _louder(pen: Pen) -> None:
    _quieter(pen)
    pen.line(0.76, 0.32, 0.76, 0.68, width=1.4)


def _clock(pen: Pen) -> None:
    pen.circle(0.5, 0.5, 0.42)
    pen.line(0.5, 0.5, 0.5, 0.8)
    pen.line(0.5, 0.5, 0.7, 0.4)


def _check(pen: Pen) -> None:
    pen.line(0.12, 0.5, 0.4, 0.2, 0.9, 0.82, width=1.5)


def _warning(pen: Pen) -> None:
    pen.line(0.5, 0.9, 0.06, 0.1, 0.94, 0.1, close=True)
    pen.line(0.5, 0.62, 0.5, 0.36, width=1.4)
    pen.circle(0.5, 0.22, 0.045, fill=True)


def _lock(pen: Pen) -> None:
    pen.rect(0.2, 0.1, 0.6, 0.45)
    pen.circle(0.5, 0.6, 0.2, arc=(-90, 90))
    pen.line(0.3, 0.55, 0.3, 0.6)
    pen.line(0.7, 0.55, 0.7, 0.6)


def _info(pen: Pen) -> None:
    pen.circle(0.5, 0.5, 0.42)
    pen.circle(0.5, 0.72, 0.05, fill=True)
    pen.line(0.5, 0.58, 0.5, 0.24, width=1.4)


def _close(pen: Pen) -> None:
    pen.line(0.2, 0.2, 0.8, 0.8, width=1.4)
    pen.line(0.2, 0.8, 0.8, 0.2, width=1.4)


def _keyboard(pen: Pen) -> None:
    pen.rect(0.06, 0.22, 0.88, 0.56)
    for row, y in enumerate((0.64, 0.5)):
        for i in range(6 - row):
            pen.circle(0.18 + i * 0.13 + row * 0.06, y, 0.025, fill=True)
    pen.line(0.3, 0.34, 0.7, 0.34)


def _family(pen: Pen) -> None:
    _person(pen, 0.3)
    _person(pen, 0.7)
    pen.circle(0.5, 0.42, 0.07)


def _coins(pen: Pen) -> None:
    for i in range(4):
        y = 0.15 + i * 0.15
        Line(ellipse=(*pen.p(0.2, y), 0.6 * pen.s, 0.2 * pen.s), width=pen.width)
    pen.circle(0.5, 0.78, 0.06, fill=True)


def _crane(pen: Pen) -> None:
    pen.line(0.25, 0.08, 0.25, 0.9)
    pen.line(0.1, 0.8, 0.9, 0.8)
    pen.line(0.25, 0.9, 0.9, 0.8)
    pen.line(0.75, 0.8, 0.75, 0.5)
    pen.rect(0.62, 0.32, 0.26, 0.18)
    pen.line(0.08, 0.08, 0.92, 0.08)


def _key(pen: Pen) -> None:
    pen.circle(0.28, 0.5, 0.18)
    pen.line(0.46, 0.5, 0.9, 0.5)
    pen.line(0.76, 0.5, 0.76, 0.34)
    pen.line(0.88, 0.5, 0.88, 0.36)


def _heart(pen: Pen) -> None:
    points: list[float] = []
    for i in range(41):
        t = 2 * math.pi * i / 40
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points += [0.5 + x / 38, 0.54 + y / 38]
    pen.line(*points, close=True)


def _wheat(pen: Pen) -> None:
    pen.line(0.5, 0.06, 0.5, 0.94)
    for i in range(4):
        y = 0.38 + i * 0.14
        Line(ellipse=(*pen.p(0.28, y), 0.2 * pen.s, 0.1 * pen.s), width=pen.width)
        Line(ellipse=(*pen.p(0.52, y), 0.2 * pen.s, 0.1 * pen.s), width=pen.width)


def _bag(pen: Pen) -> None:
    pen.line(0.15, 0.65, 0.85, 0.65, 0.8, 0.08, 0.2, 0.08, close=True)
    pen.circle(0.5, 0.65, 0.18, arc=(-90, 90))


def _priority(pen: Pen) -> None:
    pen.circle(0.42, 0.86, 0.08)
    pen.line(0.42, 0.76, 0.42, 0.46, 0.7, 0.46, 0.8, 0.14)
    pen.line(0.42, 0.64, 0.66, 0.64)
    pen.circle(0.4, 0.3, 0.24, arc=(120, 360))


def _hand(pen: Pen) -> None:
    pen.line(
        0.42,
        0.1,
        0.3,
        0.42,
        0.34,
        0.46,
        0.44,
        0.36,
        0.44,
        0.86,
        0.52,
        0.9,
        0.58,
        0.86,
        0.58,
        0.56,
        0.66,
        0.6,
        0.72,
        0.56,
        0.8,
        0.52,
        0.84,
        0.46,
        0.82,
        0.1,
    )


DRAWINGS: dict[str, Callable[[Pen], None]] = {
    "ticket": _ticket,
    "services": _document,
    "rate": Face(mouth=1.0),
    "message": _bubble,
    "language": _globe,
    "text_size": _letters,
    "contrast": _contrast,
    "back": _back,
    "home": _home,
    "search": _search,
    "print": _printer,
    "speaker": _speaker,
    "stop": _stop,
    "repeat": _repeat,
    "quieter": _quieter,
    "louder": _louder,
    "clock": _clock,
    "check": _check,
    "warning": _warning,
    "lock": _lock,
    "info": _info,
    "close": _close,
    "keyboard": _keyboard,
    "hand": _hand,
    "priority": _priority,
    ServiceCategory.CIVIL_STATUS: _family,
    ServiceCategory.LOCAL_TAXES: _coins,
    ServiceCategory.CONSTRUCTION: _crane,
    ServiceCategory.PROPERTY: _key,
    ServiceCategory.SOCIAL: _heart,
    ServiceCategory.AGRICULTURE: _wheat,
    ServiceCategory.TRADE_TOURISM: _bag,
    ServiceCategory.GENERAL: _info,
    # the reasons after a face, each its own drawing for a visitor who reads little
    FeedbackReason.WAITING: _hourglass,
    FeedbackReason.COURTESY: _harsh_words,
    FeedbackReason.UNCLEAR: _question,
    FeedbackReason.DOCUMENTS: _two_documents,
    FeedbackReason.FAST: _fast_forward,
    FeedbackReason.KIND: _smiling_person,
    FeedbackReason.HELPFUL: _light_bulb,
    FeedbackReason.OTHER: _more,
    # the five rating faces, 1 = very unhappy … 5 = very happy: no two alike at a glance
    "face_1": Face(mouth=-1.0, brows=True),
    "face_2": Face(mouth=-0.6),
    "face_3": Face(mouth=0.0),
    "face_4": Face(mouth=0.6),
    "face_5": Face(mouth=1.0, open_mouth=True, smiling_eyes=True),
}

#: A catalogue counter group's pictogram, for queue categories named by their groups.
GROUP_PICTOGRAMS = {
    CounterGroup.GRAO: ServiceCategory.CIVIL_STATUS,
    CounterGroup.TAXES: ServiceCategory.LOCAL_TAXES,
    CounterGroup.CONSTRUCTION: ServiceCategory.CONSTRUCTION,
    CounterGroup.PROPERTY: ServiceCategory.PROPERTY,
    CounterGroup.SOCIAL: ServiceCategory.SOCIAL,
    CounterGroup.AGRICULTURE: ServiceCategory.AGRICULTURE,
    CounterGroup.TRADE: ServiceCategory.TRADE_TOURISM,
    CounterGroup.GENERAL: ServiceCategory.GENERAL,
}


MAX_SIZE = 220


class Pictogram(Widget):
    name = StringProperty("info")
    color = ColorProperty([1, 1, 1, 1])

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("name", self._redraw)
        self.fbind("color", self._redraw)
        self.fbind("pos", self._redraw)
        self.fbind("size", self._redraw)
        self._redraw()

    def _redraw(self, *_args: object) -> None:
        self.canvas.clear()
        size = min(self.width, self.height, MAX_SIZE)
        if size <= 0 or self.name not in DRAWINGS:
            return
        # from x/y, not center_x/center_y: those cached aliases may not have caught up yet
        pen = Pen(self.x + (self.width - size) / 2, self.y + (self.height - size) / 2, size)
        with self.canvas:
            Color(*self.color)
            DRAWINGS[self.name](pen)
