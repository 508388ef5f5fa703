"""Bulgarian in Latin letters by the official system (Transliteration Act): ъ→a, ь→y, щ→sht."""

from __future__ import annotations

import cyrtranslit

# cyrtranslit's "bg" table writes ъ as "ă" and ь as "j"; the official system has "a" and "y",
# which are also what a printer without Cyrillic can print.
_OFFICIAL = str.maketrans({"ъ": "а", "Ъ": "А", "ь": "й", "Ь": "Й"})


def to_latin(text: str) -> str:
    return cyrtranslit.to_latin(text.translate(_OFFICIAL), "bg")
