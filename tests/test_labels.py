"""Every member of every vocabulary the UIs show has its wording, in Bulgarian and in English."""

from __future__ import annotations

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
