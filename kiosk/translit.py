"""Bulgarian in Latin letters by the official system (Transliteration Act): ъ→a, ь→y, щ→sht."""

from __future__ import annotations

import cyrtranslit

# cyrtranslit's "bg" table writes ъ as "ă" and ь as "j"; the official system has "a" and "y",
# which are also what a printer without Cyrillic can print.
_OFFICIAL = str.maketrans({"ъ": "а", "Ъ": "А", "ь": "й", "Ь": "Й"})


def to_latin(text: str) -> str:
    return cyrtranslit.to_latin(text.translate(_OFFICIAL), "bg")


def latin_reading(text: str, language: str) -> str | None:
    """A number with Cyrillic letters ("ОЦУИГ-2026-00009") as an English reader says and
    writes it ("OTSUIG-2026-00009"); None in Bulgarian, or when the two are alike."""
    latin = to_latin(text).upper()
    return None if language == "bg" or latin == text else latin
