"""Colours and text sizes of the two themes: the municipality's calm blue, and high contrast.

Every state a colour shows is also said in words or drawn as a shape, so the
high-contrast theme (and a visitor who cannot tell colours apart) loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[float, float, float, float]


def _hex(code: str, alpha: float = 1.0) -> RGBA:
    code = code.lstrip("#")
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


@dataclass(frozen=True)
class Theme:
    name: str
    background: RGBA
    surface: RGBA  # cards and list rows
    text: RGBA
    muted: RGBA  # secondary text
    button: RGBA
    button_down: RGBA
    button_text: RGBA
    accent: RGBA  # primary actions
    accent_text: RGBA
    border: RGBA
    border_width: float
    warning: RGBA
    warning_text: RGBA
    selected: RGBA


NORMAL = Theme(
    name="normal",
    background=_hex("#0d2c4f"),
    surface=_hex("#15406e"),
    text=_hex("#ffffff"),
    muted=_hex("#c9d8ea"),
    button=_hex("#1f5a96"),
    button_down=_hex("#0f3a66"),
    button_text=_hex("#ffffff"),
    accent=_hex("#f2b705"),
    accent_text=_hex("#10253f"),
    border=_hex("#6f9ccc"),
    border_width=1.5,
    warning=_hex("#ffe08a"),
    warning_text=_hex("#3b2600"),
    selected=_hex("#2f7d4f"),
)

HIGH_CONTRAST = Theme(
    name="high_contrast",
    background=_hex("#000000"),
    surface=_hex("#000000"),
    text=_hex("#ffffff"),
    muted=_hex("#ffffff"),
    button=_hex("#000000"),
    button_down=_hex("#333333"),
    button_text=_hex("#ffff00"),
    accent=_hex("#ffff00"),
    accent_text=_hex("#000000"),
    border=_hex("#ffffff"),
    border_width=3.0,
    warning=_hex("#ffffff"),
    warning_text=_hex("#000000"),
    selected=_hex("#00477a"),
)

#: Multiplier of every font size in larger-text mode.
LARGE_TEXT_SCALE = 1.3


def theme_for(*, high_contrast: bool) -> Theme:
    return HIGH_CONTRAST if high_contrast else NORMAL
