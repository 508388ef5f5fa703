"""The word list only suggests: what must flag (with Bulgarian inflection) and what must not."""

from __future__ import annotations

import pytest

from kiosk.offensive import WordList, flagged_words

MUST_FLAG = [
    "служителите са идиоти",  # the plural of a listed stem
    "Идиотите на гишето",  # definite plural, capitalised
    "идиотка",
    "Шибаната опашка!",
    "кретени такива",
    "мамка ти",  # a phrase: two words in a row
    "майната ви",
    "kурва",  # a Latin k among Cyrillic letters
    "tъпанари",  # a Latin T for its Cyrillic twin (it once stood for "р")
    "хуя",
    "Пичката",
    "тъпанари",
    "глупаци сте всички",
    "простаци",
    "лайна",
    "скот",
    "скотове",
    "копелета",
    "заебахте ме",
    "you idiots",
    "fucking queue",
]

MUST_NOT_FLAG = [
    "скапан път",  # colloquial, not abusive: a complaint about a road
    "глупост е да чакаме два часа",  # criticism of a rule, not of a person
    "заблуден съм от информацията",
    "пишете по-ясно",
    "пиша жалба",
    "курсът по компютри",
    "скотч",
    "круизен лайнер",
    "мамка",  # alone it is a pet name
    "майка ми чака отвън",
    "тъпан на празника",
    "задния вход е заключен",
    "Шивачево",  # villages of the municipality
    "Хаджидимитрово",
    "Ябълково",
    "Жълт бряг",
    "просто попитах",
    "некадърни служители",  # harsh, but an officer's call, not a word list's
    "мръсна улица",
    "ebay и онлайн плащане",
    "hue",
    "shift",
    "педала на колелото",
]


@pytest.mark.parametrize("text", MUST_FLAG)
def test_flags(text: str) -> None:
    assert flagged_words(text)


@pytest.mark.parametrize("text", MUST_NOT_FLAG)
def test_does_not_flag(text: str) -> None:
    assert flagged_words(text) == ()


def test_the_visitor_sees_their_own_words_back_in_order() -> None:
    assert flagged_words("Вие сте kретени и идиоти, мамка ви") == ("kретени", "идиоти")
    assert flagged_words("мамка ти, идиоти") == ("мамка ти", "идиоти")


def test_an_exception_wins_over_a_stem() -> None:
    words = WordList.parse(["лайн*", "-лайнер*"])
    assert words.flagged("лайно и лайнер") == ("лайно",)
