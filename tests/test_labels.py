"""Every member of every vocabulary the UIs show has its wording, in Bulgarian and in English."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pytest

from kiosk.hours import ClosedReason
from kiosk.labels import (
    CLOSED_REASONS,
    HANDLING_STEPS,
    MESSAGE_KINDS,
    PRINTER_STATES,
    RATING_REASONS,
    REVIEW,
    REVIEW_NOTES,
    SERVICE_CATEGORIES,
    SPEEDS,
    date_words,
    label,
)
from kiosk.vocabulary import (
    FeedbackReason,
    MessageEventKind,
    MessageKind,
    PrinterState,
    ReviewNote,
    ReviewStatus,
    ServiceCategory,
    Speed,
)

LABELLED = [
    (ServiceCategory, SERVICE_CATEGORIES),
    (Speed, SPEEDS),
    (MessageKind, MESSAGE_KINDS),
    (FeedbackReason, RATING_REASONS),
    (ClosedReason, CLOSED_REASONS),
    (PrinterState, PRINTER_STATES),
    (ReviewStatus, REVIEW),
    (ReviewNote, REVIEW_NOTES),
    (MessageEventKind, HANDLING_STEPS),
]


@pytest.mark.parametrize(("vocabulary", "table"), LABELLED, ids=[v.__name__ for v, _t in LABELLED])
def test_every_member_has_a_label_in_both_languages(
    vocabulary: type[StrEnum], table: dict[StrEnum, str]
) -> None:
    # GIVEN a vocabulary and its table of wordings; THEN the table words every member, no more
    assert set(table) == set(vocabulary)
    for member in vocabulary:
        english, bulgarian = label(table, member, "en"), label(table, member, "bg")
        # AND each is said in English and translated into Bulgarian
        assert english.strip(), member
        assert bulgarian.strip() and bulgarian != english, member


def test_a_label_is_found_by_the_plain_string_too() -> None:
    """Codes read from a report row or a JSON body are plain strings: they find the same words."""
    assert label(SPEEDS, "express", "en") == label(SPEEDS, Speed.EXPRESS, "en") == "Express"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("bg", ["31\u00a0декември\u00a02026\u00a0г.", "1\u00a0март\u00a02027\u00a0г."]),
        ("en", ["31\u00a0December\u00a02026", "1\u00a0March\u00a02027"]),
    ],
)
def test_a_date_on_the_screens_has_its_month_in_words(language: str, words: list[str]) -> None:
    # GIVEN the last day of a year and a day in spring; THEN each reads day, month's name, year
    # on one line wherever a sentence wraps, with a space the screens' font has
    days = [dt.date(2026, 12, 31), dt.date(2027, 3, 1)]
    assert [date_words(day, language) for day in days] == words
