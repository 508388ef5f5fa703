"""Smiley ratings: stored on the press, repeats within the window counted once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from kiosk.db import Database
from kiosk.feedback import HIGH_SCORE_REASONS, LOW_SCORE_REASONS, Feedback, Reason, reasons_for
from kiosk.models import Rating, RatingReason
from kiosk.queue import Queue
from tests.support import Clock, make_config


@pytest.fixture
def feedback(db: Database, config, clock: Clock) -> Feedback:
    return Feedback(db, config, clock=clock)


def test_repeated_presses_count_once_within_the_window(
    feedback: Feedback, clock: Clock, db: Database
) -> None:
    first = feedback.rate(score=5)
    clock.advance(seconds=5)
    second = feedback.rate(score=5)
    clock.advance(seconds=19)  # 24 s after the counted press: past the 20 s window
    third = feedback.rate(score=2)
    other_terminal = feedback.rate(score=4, terminal_id="kiosk-2")
    assert [r.counted for r in (first, second, third, other_terminal)] == [True, False, True, True]
    with db.read() as s:
        assert len(list(s.scalars(select(Rating)))) == 4  # every press is kept


def test_reasons_are_attached_once_each(feedback: Feedback, db: Database) -> None:
    rating = feedback.rate(score=2, counter_number=3, service_id="2016")
    feedback.add_reasons(rating_uuid=rating.uuid, reasons=["waiting", Reason.COURTESY, "waiting"])
    feedback.add_reasons(rating_uuid=rating.uuid, reasons=["courtesy"])  # a retry, a double tap
    with db.read() as s:
        reasons = sorted(
            s.scalars(select(RatingReason.reason).where(RatingReason.rating_uuid == rating.uuid))
        )
    assert reasons == ["courtesy", "waiting"]


def test_scores_and_reasons_are_checked(feedback: Feedback) -> None:
    with pytest.raises(ValueError):
        feedback.rate(score=6)
    rating = feedback.rate(score=1)
    with pytest.raises(ValueError):
        feedback.add_reasons(rating_uuid=rating.uuid, reasons=["bribery"])
    assert reasons_for(2) == LOW_SCORE_REASONS and reasons_for(5) == HIGH_SCORE_REASONS


def test_a_zero_window_counts_every_press(db: Database, tmp_path, clock: Clock) -> None:
    feedback = Feedback(db, make_config(tmp_path, feedback__repeat_window_s=0), clock=clock)
    assert [feedback.rate(score=3).counted for _ in range(3)] == [True, True, True]


def test_reasons_need_a_stored_rating(feedback: Feedback, db: Database) -> None:
    with pytest.raises(LookupError):
        feedback.add_reasons(rating_uuid=uuid.uuid4(), reasons=["waiting"])
    with db.read() as s:
        assert list(s.scalars(select(RatingReason))) == []


def test_presses_at_the_same_moment_count_once(feedback: Feedback, db: Database) -> None:
    # eight presses on one terminal at once (threads with their own connections)
    with ThreadPoolExecutor(max_workers=8) as pool:
        receipts = list(pool.map(lambda _: feedback.rate(score=4), range(8)))
    assert sum(r.counted for r in receipts) == 1
    with db.read() as s:
        assert len(list(s.scalars(select(Rating)))) == 8


def test_a_rating_after_a_ticket_keeps_the_ticket_service(
    feedback: Feedback, db: Database, config, clock: Clock
) -> None:
    ticket = Queue(db, config, clock=clock).issue(category="А", service_id="2016")
    after_ticket = feedback.rate(score=4, ticket_uuid=ticket.uuid)
    told = feedback.rate(score=3, terminal_id="kiosk-2", ticket_uuid=ticket.uuid, service_id="1998")
    with db.read() as s:
        services = {r.uuid: r.service_id for r in s.scalars(select(Rating))}
    assert services == {after_ticket.uuid: "2016", told.uuid: "1998"}
