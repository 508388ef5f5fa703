"""Numbers and ticket labels as they are said aloud: "А023" → "А двадесет и три".

A speech engine reads "023" digit by digit or with its zero; a visitor hears the number
as a Bulgarian says it, in the counting form (едно, две) that "гише" and a bare number take.
"""

from __future__ import annotations

from kiosk.translit import to_latin

_BG_UNITS = ("нула", "едно", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет")
_BG_TEENS = (
    "десет",
    "единадесет",
    "дванадесет",
    "тринадесет",
    "четиринадесет",
    "петнадесет",
    "шестнадесет",
    "седемнадесет",
    "осемнадесет",
    "деветнадесет",
)
_BG_TENS = ("", "", "двадесет", "тридесет", "четиридесет", "петдесет", "шестдесет")
_BG_TENS += ("седемдесет", "осемдесет", "деветдесет")
_BG_HUNDREDS = ("", "сто", "двеста", "триста", "четиристотин", "петстотин", "шестстотин")
_BG_HUNDREDS += ("седемстотин", "осемстотин", "деветстотин")

_EN_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
_EN_TEENS += ("seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _bg_parts(n: int) -> list[str]:
    parts = []
    thousands, n = divmod(n, 1000)
    if thousands == 1:
        parts.append("хиляда")
    elif thousands > 1:
        parts.append(f"{_BG_UNITS[thousands]} хиляди")
    hundreds, n = divmod(n, 100)
    if hundreds:
        parts.append(_BG_HUNDREDS[hundreds])
    tens, units = divmod(n, 10)
    if tens == 1:
        parts.append(_BG_TEENS[units])
    else:
        if tens:
            parts.append(_BG_TENS[tens])
        if units:
            parts.append(_BG_UNITS[units])
    return parts


def bg_number(n: int) -> str:
    """A number below 10 000 in Bulgarian words: 23 → "двадесет и три", 120 → "сто и двадесет".

    "и" joins the last part to the rest, as Bulgarian grammar puts it.
    """
    if not 0 <= n < 10_000:
        raise ValueError(f"{n} is not a ticket number or a counter")
    if n == 0:
        return _BG_UNITS[0]
    parts = _bg_parts(n)
    if len(parts) == 1:
        return parts[0]
    return " ".join(parts[:-1]) + " и " + parts[-1]


def en_number(n: int) -> str:
    """A number below 10 000 in English words: 123 → "one hundred twenty-three"."""
    if not 0 <= n < 10_000:
        raise ValueError(f"{n} is not a ticket number or a counter")
    if n < 10:
        return _EN_UNITS[n]
    if n < 20:
        return _EN_TEENS[n - 10]
    if n < 100:
        tens, units = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_UNITS[hundreds]} hundred" + (f" {en_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{_EN_UNITS[thousands]} thousand" + (f" {en_number(rest)}" if rest else "")


def number_words(n: int, language: str) -> str:
    return bg_number(n) if language == "bg" else en_number(n)


def spoken_letter(letter: str, language: str) -> str:
    # an English voice has no name for "Б": it says the Latin hint "B"
    return letter if language == "bg" else to_latin(letter)


def spoken_label(label: str, language: str) -> str:
    """A ticket label as said: "А023" → "А двадесет и три"; in English "A twenty-three"."""
    return f"{spoken_letter(label[0], language)} {number_words(int(label[1:]), language)}"
