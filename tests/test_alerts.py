"""Live alerts: a run of bad faces at a site or counter, messages near or past their deadline."""

from __future__ import annotations

import datetime as dt

from kiosk.alerts import AlertKind, current_alerts, deadline_alerts, rating_alerts
from kiosk.db import Database
from kiosk.feedback import Feedback
from kiosk.messages import Draft, Kind, Messages
from kiosk.register import Register
from tests.support import Clock, make_config


def _rate(feedback: Feedback, clock: Clock, scores: str, counter: int) -> None:
    for score in scores:
        feedback.rate(score=int(score), counter_number=counter, terminal_id=f"t{counter}")
        clock.advance(seconds=30)  # beyond the repeat window: each press counts


def test_bad_faces_over_the_threshold_alert_per_counter_and_site(
    db: Database, tmp_path, clock: Clock
) -> None:
    config = make_config(
        tmp_path,
        reports__alert_threshold=0.3,
        reports__alert_min_ratings=5,
        reports__alert_window_minutes=60,
    )
    feedback = Feedback(db, config, clock=clock)
    _rate(feedback, clock, "55455", counter=1)  # counter 1: all good
    _rate(feedback, clock, "12154", counter=3)  # counter 3: 3 of 5 bad = 60%
    alerts = rating_alerts(db, config, now=clock.now)
    assert [(a.counter, a.low, a.total) for a in alerts] == [(3, 3, 5)]
    # site-wide 3 of 10 = 30% is not *over* 30%; one more bad face tips it
    _rate(feedback, clock, "1", counter=1)
    alerts = rating_alerts(db, config, now=clock.now)
    assert sorted((a.counter or 0, a.low, a.total) for a in alerts) == [(0, 4, 11), (3, 3, 5)]
    assert alerts[0].share > 0.3
    # an hour later the window has moved past them all
    clock.advance(minutes=61)
    assert rating_alerts(db, config, now=clock.now) == []


def test_too_few_ratings_do_not_alert(db: Database, tmp_path, clock: Clock) -> None:
    config = make_config(tmp_path, reports__alert_min_ratings=5)
    _rate(Feedback(db, config, clock=clock), clock, "1111", counter=2)
    assert rating_alerts(db, config, now=clock.now) == []


def test_messages_near_and_past_their_deadline(db: Database, config, clock: Clock) -> None:
    box = Messages(db, config, clock=clock)

    def complaint() -> object:
        return box.submit(
            Draft(
                kind=Kind.COMPLAINT, text="Жалба", name="Иван", contact="0888123456", consent=True
            )
        )

    first = complaint()  # due 2026-12-25
    clock.advance(days=3)
    second = complaint()  # due 2026-12-28
    clock.advance(days=3)
    answered = complaint()  # due 2026-12-31, answered
    Register(db, config, clock=clock).answer(message_uuid=answered.uuid, actor="q", text="Отговор")
    clock.set(dt.datetime(2026, 12, 26, 9, 0, tzinfo=dt.UTC))
    alerts = deadline_alerts(db, config, now=clock.now)  # due_soon_days = 5
    assert [(a.reg_number, a.kind, a.days_left) for a in alerts] == [
        (first.reg_number, AlertKind.OVERDUE, -1),
        (second.reg_number, AlertKind.DUE_SOON, 2),
    ]
    assert len(current_alerts(db, config, now=clock.now)) == 2
