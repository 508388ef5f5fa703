"""What text may enter a record: one rule for every edge that takes text, and its checks.

Control characters (all but the tab and the line feed; a carriage return is read as a line
end), and UTF-16 surrogates standing alone, never belong in what a person typed; NUL above
all, which PostgreSQL cannot store in text at all: one such row would stop a site's sync.
Staff and file input is refused with a message naming the field; a visitor's message on the
touchscreen is stripped instead (`strip_forbidden`), since the visitor cannot mend it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kiosk.errors import KioskError

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class TextRefused(KioskError):
    """The text holds a character that no record may hold; `field` names where it was typed."""

    code = "text_control_character"

    def __init__(self, field: str, position: int, char: str) -> None:
        self.field, self.position, self.char = field, position, char
        super().__init__(
            f"{field}: character U+{ord(char):04X} at position {position + 1} may not be stored",
            field=field,
        )


def _line_ends(value: str) -> str:
    # browsers send a textarea's line ends as CR LF
    return value.replace("\r\n", "\n").replace("\r", "\n")


def check_text(value: str, *, field: str) -> str:
    """The text with its line ends as LF, or TextRefused at the first forbidden character."""
    value = _line_ends(value)
    if found := FORBIDDEN.search(value):
        raise TextRefused(field, found.start(), found.group())
    return value


def check_fields(values: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Every named field that holds a string passes `check_text` (values are not changed)."""
    for name in fields:
        value = values.get(name)
        if isinstance(value, str) and (found := FORBIDDEN.search(value)):
            raise TextRefused(name, found.start(), found.group())


def strip_forbidden(value: str) -> str:
    """The text without its forbidden characters, for input nobody can be asked to mend."""
    return FORBIDDEN.sub("", _line_ends(value))
