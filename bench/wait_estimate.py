"""How far the wait told at the kiosk is from the wait that follows, over simulated days.

Days of the default site (counters 1–4 shared by А, Б, В, Г, a priority category П) are
replayed through the domain on a real SQLite file with a controllable clock: visitors
arrive at a rate that changes through the day, each with a category; clerks call the
next ticket when free, serve for a time drawn per category, take lunch breaks in turns,
and one counter sometimes opens late; a few visitors do not come when called. At every
ticket the estimate of today's estimator (772b816's Queue._estimate, loaded from git) and
of the current one are recorded; the true wait is the time until the ticket is called.
Prints, for both side by side, the mean absolute error, the bias (estimate minus truth:
negative is "told too little") and the share within ±5 minutes, and the ratio of the
errors.

    python bench/wait_estimate.py [--days 5] [--seed 11] [--breakdown]
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import math
import random
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers

from _at_commit import module_at

from kiosk.db import Database
from kiosk.queue import Queue, apply_queue_config
from tests.support import Clock, make_config

BASELINE_COMMIT = "772b816"
SOFIA = dt.timezone(dt.timedelta(hours=2))
FIRST_DAY = dt.date(2026, 11, 16)  # a Monday

# visitors an hour, from this local time on: about 190 a day, queues of half an hour at peaks
ARRIVALS = [
    (dt.time(8, 30), 16),
    (dt.time(9, 0), 32),
    (dt.time(11, 0), 26),
    (dt.time(12, 0), 16),
    (dt.time(13, 0), 24),
    (dt.time(15, 0), 14),
]
LAST_TICKET = dt.time(16, 45)
MIX = {"А": 0.32, "Б": 0.30, "В": 0.13, "Г": 0.18, "П": 0.07}
MEAN_SERVICE = {"А": 7.0, "Б": 5.0, "В": 11.0, "Г": 4.0, "П": 7.0}  # minutes
SIGMA = 0.55  # of the log of a service time
AFTERNOON_SLOWER = 1.15  # 13:00–15:00
LUNCH = {
    1: (dt.time(12, 0), dt.time(12, 45)),
    2: (dt.time(12, 45), dt.time(13, 30)),
    3: (dt.time(12, 0), dt.time(12, 45)),
    4: (dt.time(12, 45), dt.time(13, 30)),
}
LATE_COUNTER, LATE_UNTIL, LATE_SHARE = 4, dt.time(9, 30), 0.3  # an hour late, some days
NO_SHOW_SHARE, NO_SHOW_MINUTES = 0.04, 1.5
IDLE_POLL_MINUTES = 0.5


def _load_baseline() -> type:
    module = module_at(BASELINE_COMMIT, "kiosk/queue.py", "queue_baseline")
    return module.Queue


@dataclass
class Told:
    baseline: int
    current: int
    low: int
    high: int
    issued: dt.datetime
    category: str
    ahead: int  # of the same category, waiting when it was issued
    waited: float | None = None
    situation: str = ""


@dataclass(order=True)
class Event:
    at: dt.datetime
    order: int
    kind: str = field(compare=False)
    data: object = field(compare=False, default=None)


def local(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=SOFIA).astimezone(dt.UTC)


def rate_at(t: dt.time) -> float:
    return next(r for start, r in reversed(ARRIVALS) if t >= start)


def service_minutes(rng: random.Random, code: str, at: dt.datetime) -> float:
    mean = MEAN_SERVICE[code]
    if dt.time(13) <= at.astimezone(SOFIA).time() < dt.time(15):
        mean *= AFTERNOON_SLOWER
    # a lognormal with this mean: mu = ln(mean) - sigma²/2
    return rng.lognormvariate(math.log(mean) - SIGMA**2 / 2, SIGMA)


def at_lunch(counter: int, at: dt.datetime) -> bool:
    start, end = LUNCH[counter]
    return start <= at.astimezone(SOFIA).time() < end


def not_yet_in(counter: int, at: dt.datetime, late_today: bool) -> bool:
    return late_today and counter == LATE_COUNTER and at.astimezone(SOFIA).time() < LATE_UNTIL


def on_break(counter: int, at: dt.datetime, late_today: bool) -> bool:
    return at_lunch(counter, at) or not_yet_in(counter, at, late_today)


def situation(told: Told, serving: tuple[int, ...], late_today: bool) -> str:
    """Why, if at all, a counter of the ticket was away while it waited: its usual lunch or
    the late start (a break that is not usual)."""
    called = told.issued + dt.timedelta(minutes=told.waited)
    minutes = [told.issued + dt.timedelta(minutes=m) for m in range(math.ceil(told.waited) + 1)]
    if any(not_yet_in(c, at, late_today) for c in serving for at in minutes if at <= called):
        return LATE
    if any(at_lunch(c, at) for c in serving for at in minutes if at <= called):
        return LUNCH_AWAY
    return ALL_IN


LATE, LUNCH_AWAY, ALL_IN = "a counter starts late", "a counter at lunch", "all counters in"


def simulate_day(
    day: dt.date, queue: Queue, baseline: object, clock: Clock, rng: random.Random, told: list
) -> None:
    events: list[Event] = []
    order = 0

    def push(at: dt.datetime, kind: str, data: object = None) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, Event(at, order, kind, data))

    # arrivals: a Poisson process whose rate follows the hour
    at = local(day, ARRIVALS[0][0])
    last = local(day, LAST_TICKET)
    while True:
        at += dt.timedelta(minutes=rng.expovariate(rate_at(at.astimezone(SOFIA).time()) / 60))
        if at >= last:
            break
        code = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        push(at, "arrive", code)
    arrivals_left = len(events)
    late_today = rng.random() < LATE_SHARE
    opening = local(day, ARRIVALS[0][0])
    for counter in LUNCH:
        push(opening, "free", counter)
    pending: dict[object, Told] = {}
    serving = {
        code: tuple(c.number for c in queue.config.counters if code in c.categories) for code in MIX
    }
    while events:
        event = heapq.heappop(events)
        clock.set(event.at)
        if event.kind == "arrive":
            arrivals_left -= 1
            issued = queue.issue(category=event.data)
            with queue.db.read() as s:
                old = baseline._estimate(s, issued.category_code, issued.people_ahead, event.at)
            low, high = issued.wait_range or (issued.estimated_wait_minutes,) * 2
            pending[issued.uuid] = told_one = Told(
                old,
                issued.estimated_wait_minutes,
                low,
                high,
                event.at,
                issued.category_code,
                issued.people_ahead,
            )
            told.append(told_one)
        elif event.kind == "free":
            counter = event.data
            if on_break(counter, event.at, late_today):
                push(event.at + dt.timedelta(minutes=IDLE_POLL_MINUTES), "free", counter)
                continue
            ticket = queue.call_next(counter=counter)
            if ticket is None:
                if arrivals_left:  # the clerk stays while anyone may still come
                    push(event.at + dt.timedelta(minutes=IDLE_POLL_MINUTES), "free", counter)
                continue
            waited = pending.pop(ticket.uuid, None)
            if waited is not None:
                waited.waited = (event.at - waited.issued).total_seconds() / 60
                waited.situation = situation(waited, serving[waited.category], late_today)
            if rng.random() < NO_SHOW_SHARE:
                push(event.at + dt.timedelta(minutes=NO_SHOW_MINUTES), "no_show", counter)
            else:
                minutes = service_minutes(rng, ticket.category_code, event.at)
                push(event.at + dt.timedelta(minutes=minutes), "done", counter)
        elif event.kind == "no_show":
            queue.no_show(counter=event.data)
            push(event.at, "free", event.data)
        elif event.kind == "done":
            queue.finish(counter=event.data)
            push(event.at, "free", event.data)


def figures(errors: list[float]) -> tuple[float, float, float]:
    mae = statistics.fmean(abs(e) for e in errors)
    bias = statistics.fmean(errors)
    within = sum(abs(e) <= 5 for e in errors) / len(errors)
    return mae, bias, within


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5, help="days measured")
    parser.add_argument(
        "--history", type=int, default=2, help="days replayed first, not measured: a site's past"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="the error also by category, hour of issue, tickets ahead and day",
    )
    args = parser.parse_args()
    called = replay(days=args.days, history=args.history, seed=args.seed)
    report(called, days=args.days, history=args.history)
    if args.breakdown:
        breakdown(called)


def replay(*, days: int, history: int, seed: int) -> list[Told]:
    """The tickets called on `days` simulated working days after `history` others."""
    rng = random.Random(seed)
    baseline_queue = _load_baseline()
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp))
        db = Database(f"sqlite:///{Path(tmp) / 'site.sqlite'}")
        db.upgrade()
        apply_queue_config(db, config)
        clock = Clock()
        queue = Queue(db, config, clock=clock)
        baseline = baseline_queue(db, config, clock=clock)
        told: list[Told] = []
        day, done = FIRST_DAY, 0
        while done < history + days:
            if day.isoweekday() <= 5:
                if done == history:
                    told.clear()
                simulate_day(day, queue, baseline, clock, rng, told)
                done += 1
            day += dt.timedelta(days=1)
        db.dispose()
    return [t for t in told if t.waited is not None]


def report(called: list[Told], *, days: int, history: int) -> None:
    waits = [t.waited for t in called]
    print(
        f"{days} simulated days after {history} of history, {len(called)} tickets called, "
        f"true wait: mean {statistics.fmean(waits):.1f} min, longest {max(waits):.0f} min"
    )
    print(f"{'estimator':<22} {'MAE min':>8} {'bias min':>9} {'within ±5':>10}")
    results = {}
    for name, pick in (
        (f"baseline ({BASELINE_COMMIT})", lambda t: t.baseline),
        ("current", lambda t: t.current),
    ):
        results[name] = figures([pick(t) - t.waited for t in called])
        mae, bias, within = results[name]
        print(f"{name:<22} {mae:>8.2f} {bias:>+9.2f} {within:>9.0%}")
    (old_mae, _, _), (new_mae, _, _) = results.values()
    print(f"{'ratio MAE current/base':<22} {new_mae / old_mae:>7.2f}x")
    _by("situation", called, lambda t: t.situation, (ALL_IN, LUNCH_AWAY, LATE))
    ranged = [t for t in called if t.high > t.low]
    if ranged:
        inside = sum(t.low <= t.waited <= t.high for t in ranged) / len(ranged)
        print(f"current says a range for {len(ranged) / len(called):.0%}; {inside:.0%} fall in it")


def _by(title: str, called: list[Told], key: Callable[[Told], str], order: Iterable[str]) -> None:
    """Both estimators' figures for each group of tickets, one line each; the share of
    the total bias a group carries says where a bias comes from."""
    print(
        f"{'by ' + title:<22} {'tickets':>8}   MAE, bias, within ±5: baseline | current"
        "  (share of the bias)"
    )
    total = sum(t.current - t.waited for t in called)
    for name in order:
        some = [t for t in called if key(t) == name]
        if some:
            old, new = (
                figures([pick(t) - t.waited for t in some])
                for pick in (lambda t: t.baseline, lambda t: t.current)
            )
            share = new[1] * len(some) / total if total else 0.0
            print(
                f"{name:<22} {len(some):>8}   {old[0]:.2f} {old[1]:+.2f} {old[2]:.0%}"
                f" | {new[0]:.2f} {new[1]:+.2f} {new[2]:.0%}  ({share:.0%})"
            )


AHEAD = ((0, 0), (1, 2), (3, 5), (6, 10), (11, 20), (21, None))  # tickets ahead at issue


def _span(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else str(low) if low == high else f"{low}–{high}"


def breakdown(called: list[Told]) -> None:
    """Where the error is: by category, hour of issue, tickets ahead at issue, day."""

    def hour(t: Told) -> str:
        return f"{t.issued.astimezone(SOFIA).hour:02}h"

    def ahead(t: Told) -> str:
        return next(_span(a, b) for a, b in AHEAD if b is None or t.ahead <= b)

    def day(t: Told) -> str:
        return t.issued.astimezone(SOFIA).date().isoformat()

    _by("category", called, lambda t: t.category, list(MIX))
    _by("hour of issue", called, hour, sorted({hour(t) for t in called}))
    _by("ahead at issue", called, ahead, [_span(a, b) for a, b in AHEAD])
    _by("day", called, day, sorted({day(t) for t in called}))


if __name__ == "__main__":
    main()
