"""Cyrillic letters as an English reader says and writes them: a category's, a number's."""

from __future__ import annotations

from typing import Any

from kiosk.translit import latin_reading as latin_of
from kiosk.translit import to_latin

#: Cyrillic capitals that look like the Latin letter they read as: no hint needed.
SAME_IN_LATIN = frozenset("АЕКМОТ")


def latin_hint(code: str) -> str:
    """How an English reader says a category letter ("Б" → "B", "В" → "V"), or "" for "А"."""
    return "" if code in SAME_IN_LATIN else to_latin(code).upper()


def latin_reading(app: Any, text: str) -> str:
    """Cyrillic letters in a number ("ОЦУИГ-2026-00009") as an English reader says and
    writes them, "(in Latin letters: OTSUIG-2026-00009)"; "" in Bulgarian or when alike."""
    latin = latin_of(text, app.language)
    return app.tr("(in Latin letters: {latin})").format(latin=latin) if latin else ""
