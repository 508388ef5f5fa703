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
    field: RGBA  # a text field's inside
    field_text: RGBA
    field_hint: RGBA  # the example words in an empty field
    faces: tuple[
        RGBA, ...
    ]  # the five rating faces, very bad to very good (with button_text on them)


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
    field=_hex("#ffffff"),
    field_text=_hex("#000000"),
    field_hint=_hex("#595959"),
    # red to blue-green, each hue its own; light enough to stand out from the background
    # (3:1), dark enough for white words (4.5:1)
    faces=(
        _hex("#e61c1c"),
        _hex("#ae6215"),
        _hex("#80770f"),
        _hex("#108810"),
        _hex("#108471"),
    ),
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
    field=_hex("#000000"),
    field_text=_hex("#ffff00"),
    field_hint=_hex("#cccccc"),
    # the normal theme's hues, dark enough for yellow words, still 3:1 against the black
    faces=(_hex("#ca0000"), _hex("#9c4e00"), _hex("#6e6400"), _hex("#007400"), _hex("#00705e")),
)

#: Every (text, background) pair the screens draw, by the theme's field names.
TEXT_PAIRS = (
    ("text", "background"),
    ("text", "surface"),
    ("muted", "background"),
    ("muted", "surface"),
    ("button_text", "button"),
    ("button_text", "button_down"),
    ("button_text", "selected"),
    ("accent_text", "accent"),
    ("accent", "background"),  # the ticket number, section headings
    ("accent", "surface"),  # the waiting rows' letters
    ("warning", "background"),  # errors under a field
    ("warning_text", "warning"),
    ("field_text", "field"),
    ("field_hint", "field"),
    *(("button_text", f"faces[{i}]") for i in range(5)),
)

#: Multiplier of every font size in larger-text mode.
LARGE_TEXT_SCALE = 1.3


def theme_for(*, high_contrast: bool) -> Theme:
    return HIGH_CONTRAST if high_contrast else NORMAL


def colour(theme: Theme, name: str) -> RGBA:
    """A theme colour by its name in TEXT_PAIRS: a field, or one of the faces as faces[i]."""
    if name.startswith("faces["):
        return theme.faces[int(name[6:-1])]
    return getattr(theme, name)


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    """WCAG 2.x contrast ratio of two opaque colours (1 to 21)."""

    def luminance(c: RGBA) -> float:
        r, g, b = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
