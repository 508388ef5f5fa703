"""Numbers as a Bulgarian says them: the ticket labels and counters the kiosk and board speak."""

from __future__ import annotations

import pytest

from kiosk.spoken import bg_number, en_number, spoken_label


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "нула"),
        (1, "едно"),
        (2, "две"),
        (11, "единадесет"),
        (20, "двадесет"),
        (23, "двадесет и три"),
        (100, "сто"),
        (101, "сто и едно"),
        (115, "сто и петнадесет"),
        (120, "сто и двадесет"),
        (123, "сто двадесет и три"),
        (200, "двеста"),
        (999, "деветстотин деветдесет и девет"),
        (1000, "хиляда"),
        (1023, "хиляда двадесет и три"),
        (1100, "хиляда и сто"),
        (2000, "две хиляди"),
    ],
)
def test_bulgarian_number_words_put_and_before_the_last_part(n: int, words: str) -> None:
    assert bg_number(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (13, "thirteen"), (23, "twenty-three"), (120, "one hundred twenty")],
)
def test_english_number_words(n: int, words: str) -> None:
    assert en_number(n) == words


@pytest.mark.parametrize(
    ("label", "language", "said"),
    [
        ("А023", "bg", "А двадесет и три"),
        ("П001", "bg", "П едно"),
        ("Б120", "en", "B one hundred twenty"),
        ("В007", "en", "V seven"),
    ],
)
def test_a_label_is_its_letter_then_its_number_without_leading_zeros(
    label: str, language: str, said: str
) -> None:
    assert spoken_label(label, language) == said


def test_numbers_beyond_a_counter_or_ticket_are_refused() -> None:
    with pytest.raises(ValueError):
        bg_number(10_000)
    with pytest.raises(ValueError):
        en_number(-1)
