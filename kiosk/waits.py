"""How long a ticket will wait: the counters' next calls played forward from the queue as it is.

Counting only the same category's tickets ahead, at a median pace, told visitors minutes
too little: the counters also serve other categories, priority tickets go first —
including those that arrive while one waits —, a counter being served at is not free,
and a counter whose clerk is away calls nobody. So the estimate replays what the
counters will do. Each counter that is open calls, when it is free, the ticket
`Queue.call_next` would give it (one sent to it first, then priority, then a booked
visitor's once the slot has come, then the oldest of its categories); each service takes
the category's mean recent duration at the hour it will begin (a ticket issued at noon is
served in the slower afternoon);
priority tickets are expected at today's recent rate. The ticket's wait is when a
counter calls it. How sure that is depends on how many services lie before it, so a
range comes with it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import statistics
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import Counter, CounterCategory, QueueState, TicketEvent

DEFAULT_SERVICE_MINUTES = 6.0
DEFAULT_VARIATION = 0.5  # spread of service times (std / mean) before there are any
HISTORY_DAYS = 30
HISTORY_SAMPLE = 200
HOUR_WEIGHT = 20  # an hour's mean counts as if this many of all the category's were in it
SAME_HOUR_MIN_SAMPLE = 8  # fewer than this at the hour: the category's times at any hour
LONGEST_SERVICE_MINUTES = 90  # a ticket left open over lunch is not a service time
OPEN_WINDOW = dt.timedelta(minutes=45)  # a counter that called within this is open
LEFT_WAITING = dt.timedelta(minutes=10)  # …and one that leaves its tickets this long is not
AWAY_RETURN_MINUTES = 15.0
RECENT_PRIORITY = dt.timedelta(minutes=90)
MAX_Z = 8.0  # further into the tail the normal's cdf is lost in rounding
SLOT = dt.timedelta(minutes=15)  # the grain of a counter's usual day, on the quarter-hours
AWAY_EVIDENCE = dt.timedelta(minutes=2)  # away this long in a slot, calling nobody there
RANGE_FROM_MINUTES = 5  # a span at least this wide is said as a range
PRIORITY_HORIZON_MINUTES = 240.0
EXPECTED_SEQ = 2**62  # after every real ticket of the same time
ZERO = dt.timedelta(0)
PACES_MAX_AGE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Estimate:
    """Minutes until a counter calls the ticket: the expected value and a likely range."""

    minutes: int
    low: int
    high: int

    @property
    def is_range(self) -> bool:
        return self.high - self.low >= RANGE_FROM_MINUTES


# one ticket each, however alike: equal by identity, which also keeps the play's removals
# from comparing every field of every ticket before the one removed
@dataclass(frozen=True, eq=False)
class Waiting:
    #: call order: priority first, then booked (0) before walk-ins (1), each by its minute
    #: (the slot's or the issue's), then the ticket's key
    key: tuple[int, int, float, int]
    category: str
    #: minutes from now it may be called: > 0 for an expected priority ticket, or a booked
    #: visitor's slot still to come
    arrives: float
    target_counter: int | None = None


@dataclass(frozen=True)
class OpenCounter:
    number: int
    categories: frozenset[str]
    free_in: float  # minutes until it calls its next ticket
    away: tuple[
        tuple[float, float], ...
    ] = ()  # (from, to) minutes from now it usually calls nobody

    def back_at(self, at: float) -> float:
        """The time it calls next when free at `at`: after a usual break, if `at` falls in one."""
        for start, end in self.away:
            if start <= at < end:
                return end
        return at


@dataclass(frozen=True)
class ServiceTimes:
    """Mean minutes of a service of each category, by the local hour it begins where known."""

    means: Mapping[str, float]  # at any hour
    by_hour: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    clock: float = 0.0  # local minutes past midnight now, to tell the hour `at` minutes on

    def minutes(self, category: str, at: float) -> float:
        hour = int((self.clock + at) // 60) % 24
        at_hour = self.by_hour.get(category, {}).get(hour)
        return at_hour or self.means.get(category, DEFAULT_SERVICE_MINUTES)


def forecast(
    *,
    ticket: Waiting,
    queue: Sequence[Waiting],
    counters: Sequence[OpenCounter],
    service_minutes: ServiceTimes,
) -> tuple[float, int] | None:
    """Minutes until `ticket` is called, and how many services come before it; None: never."""
    return play(
        queue=[*queue, ticket], counters=counters, service_minutes=service_minutes, until=ticket
    ).get(ticket)


def play(
    *,
    queue: Sequence[Waiting],
    counters: Sequence[OpenCounter],
    service_minutes: ServiceTimes,
    until: Waiting | None = None,
) -> dict[Waiting, tuple[float, int]]:
    """The counters' calls played forward: each ticket called, with the minutes until it is
    and how many services come before it (a ticket never called is not in it). The play is
    the same whichever ticket one asks about, so one play answers for the whole queue;
    `until` stops it once that ticket is called."""
    # Tickets sent to a counter apart from the rest: a counter looks at those first, and
    # scanning the whole queue for them at every call made a status of 900 waiting tickets
    # quadratic.
    pending = sorted(queue, key=lambda w: w.key)
    sent = [w for w in pending if w.target_counter is not None]
    general = [w for w in pending if w.target_counter is None]
    free = [(c.free_in, c.number, c) for c in counters]
    heapq.heapify(free)
    served = 0
    called: dict[Waiting, tuple[float, int]] = {}
    while free:
        at, number, counter = heapq.heappop(free)
        if (back := counter.back_at(at)) != at:
            heapq.heappush(free, (back, number, counter))
            continue
        pick = _next_for(counter, sent, general, at)
        if pick is None:
            later = [w.arrives for w in (*sent, *general) if w.arrives > at and _serves(counter, w)]
            if later:
                heapq.heappush(free, (min(later), number, counter))
            continue
        called[pick] = (at, served)
        if pick is until:
            break
        (general if pick.target_counter is None else sent).remove(pick)
        served += 1
        heapq.heappush(free, (at + service_minutes.minutes(pick.category, at), number, counter))
    return called


def _serves(counter: OpenCounter, w: Waiting) -> bool:
    if w.target_counter is not None:
        return w.target_counter == counter.number
    return w.category in counter.categories


def _next_for(
    counter: OpenCounter, sent: list[Waiting], general: list[Waiting], at: float
) -> Waiting | None:
    """The ticket `Queue.call_next` gives this counter at that time: one sent to it first."""
    return next(
        (w for w in sent if w.target_counter == counter.number and w.arrives <= at), None
    ) or next((w for w in general if w.category in counter.categories and w.arrives <= at), None)


@dataclass(frozen=True)
class Pace:
    mean: float  # minutes from call to finish, at this hour where enough services
    variation: float  # std / mean
    by_hour: Mapping[int, float] = field(default_factory=dict)  # local hour -> mean (shrunk)

    def remaining(self, elapsed: float) -> float:
        """Expected minutes left of a service already `elapsed` long.

        Service times are taken as lognormal with this mean and spread, and the service as
        one of those lasting longer than `elapsed`: a long one tends to go on, so "the mean
        minus what has passed" says too little. The recent services that lasted longer
        said it too, until a service outlasted all but a few of them: a В service at three
        times its mean was then told to end in three minutes, and six tickets behind it
        waited half an hour more than they were told.
        """
        sigma = math.sqrt(math.log1p(self.variation**2))
        if elapsed <= 0 or sigma == 0:
            return max(self.mean - elapsed, 0.0)
        mu = math.log(self.mean) - sigma**2 / 2
        z = min((math.log(elapsed) - mu) / sigma, MAX_Z)
        unit = statistics.NormalDist()
        # E[D | D > t] = mean · Φ(σ − z) / Φ(−z), z the standardised log of t
        longer = self.mean * unit.cdf(sigma - z) / unit.cdf(-z)
        return max(longer - elapsed, 0.0)


def paces(
    s: Session, *, categories: Collection[str], now: dt.datetime, tz: dt.tzinfo
) -> dict[str, Pace]:
    """Recent counter time per ticket of each category (no-shows too), at this hour where enough.

    One query for all the categories: each one's latest HISTORY_SAMPLE services, numbered
    by a window function.
    """
    recent = (
        select(
            QueueState.category_code,
            QueueState.called_at,
            QueueState.finished_at,
            func.row_number()
            .over(partition_by=QueueState.category_code, order_by=QueueState.finished_at.desc())
            .label("latest"),
        )
        .where(
            QueueState.category_code.in_(categories),
            QueueState.status.in_(("done", "no_show")),  # a no-show takes counter time too
            QueueState.finished_at >= now - dt.timedelta(days=HISTORY_DAYS),
            QueueState.finished_at <= now,
        )
        .subquery()
    )
    services: dict[str, list[tuple[dt.datetime | None, dt.datetime | None]]] = {
        code: [] for code in categories
    }
    for code, called, finished in s.execute(
        select(recent.c.category_code, recent.c.called_at, recent.c.finished_at)
        .where(recent.c.latest <= HISTORY_SAMPLE)
        .order_by(recent.c.category_code, recent.c.latest)
    ):
        services[code].append((called, finished))
    return {code: _pace(rows, now=now, tz=tz) for code, rows in services.items()}


def _pace(
    rows: Sequence[tuple[dt.datetime | None, dt.datetime | None]],
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> Pace:
    durations: list[float] = []
    hours: dict[int, list[float]] = {}
    for called, finished in rows:
        if called is None or finished is None:
            continue
        minutes = (finished - called).total_seconds() / 60
        if 0 < minutes <= LONGEST_SERVICE_MINUTES:
            durations.append(minutes)
            hours.setdefault(called.astimezone(tz).hour, []).append(minutes)
    if not durations:
        return Pace(DEFAULT_SERVICE_MINUTES, DEFAULT_VARIATION)
    # the mean, not the median: long services add up
    overall = statistics.fmean(durations)
    # an hour's few services drawn towards all of them, as many as HOUR_WEIGHT services say:
    # eight services' mean is off by a fifth, and that noise cost more than the hour told
    by_hour = {
        hour: (sum(some) + HOUR_WEIGHT * overall) / (len(some) + HOUR_WEIGHT)
        for hour, some in hours.items()
    }
    now_hour = hours.get(now.astimezone(tz).hour, [])
    sample = now_hour if len(now_hour) >= SAME_HOUR_MIN_SAMPLE else durations
    mean = statistics.fmean(sample)
    spread = statistics.pstdev(sample) / mean if len(sample) > 2 else DEFAULT_VARIATION
    return Pace(mean, spread, by_hour)


def _served_by_counter(s: Session) -> dict[int, frozenset[str]]:
    served: dict[int, set[str]] = {}
    for number, code in s.execute(
        select(CounterCategory.counter_number, CounterCategory.category_code)
        .join(Counter, Counter.number == CounterCategory.counter_number)
        .where(Counter.active.is_(True))
    ):
        served.setdefault(number, set()).add(code)
    return {number: frozenset(codes) for number, codes in sorted(served.items())}


class WaitingRow(Protocol):
    """A waiting ticket as the estimate reads it: the columns of `WAITING_COLUMNS`."""

    @property
    def ticket_uuid(self) -> uuid.UUID: ...
    @property
    def ticket_seq(self) -> int: ...
    @property
    def category_code(self) -> str: ...
    @property
    def priority(self) -> bool: ...
    @property
    def issued_at(self) -> dt.datetime: ...
    @property
    def due_at(self) -> dt.datetime | None: ...
    @property
    def target_counter(self) -> int | None: ...


# Columns, not ORM objects: the board's status reads every waiting ticket after each call,
# and building 900 QueueState objects took longer than the estimate made from them.
WAITING_COLUMNS = (
    QueueState.ticket_uuid,
    QueueState.ticket_seq,
    QueueState.category_code,
    QueueState.priority,
    QueueState.issued_at,
    QueueState.due_at,
    QueueState.target_counter,
)


@dataclass(frozen=True)
class Snapshot:
    """The queue as an estimate reads it, read once for any number of categories."""

    now: dt.datetime
    tz: dt.tzinfo  # the site's: a service's hour is local
    waiting: tuple[WaitingRow, ...]  # today's waiting tickets
    served: dict[int, frozenset[str]]  # open counters and their categories
    paces: dict[str, Pace]  # of every category served, and of those asked for
    expected: tuple[Waiting, ...]  # priority tickets likely to arrive
    active: dict[int, QueueState]  # each counter's called or served ticket
    last_call: dict[int, dt.datetime]  # each counter's latest call in the last 12 hours
    past: Past


def snapshot(
    s: Session,
    *,
    categories: Collection[str],
    day: dt.date,
    now: dt.datetime,
    tz: dt.tzinfo,
    past: Past | None = None,
    recent: RecentPaces | None = None,
) -> Snapshot:
    """Read what the estimates of `categories` need: a few queries, however many there are."""
    served = _served_by_counter(s)
    wanted = frozenset().union(*served.values(), categories)
    return Snapshot(
        now=now,
        tz=tz,
        waiting=tuple(
            s.execute(
                select(*WAITING_COLUMNS).where(
                    QueueState.service_day == day, QueueState.status == "waiting"
                )
            )
        ),
        served=served,
        paces=(
            recent.get(s, categories=wanted, now=now)
            if recent
            else paces(s, categories=wanted, now=now, tz=tz)
        ),
        expected=tuple(_expected_priority(s, now=now, day=day)),
        active={
            row.counter_number: row
            for row in s.scalars(
                select(QueueState).where(
                    QueueState.status.in_(("called", "serving")),
                    QueueState.counter_number.isnot(None),
                )
            )
        },
        last_call=dict(
            s.execute(
                select(TicketEvent.counter_number, func.max(TicketEvent.created_at))
                .where(
                    TicketEvent.kind == "called",
                    TicketEvent.created_at >= now - dt.timedelta(hours=12),
                    TicketEvent.counter_number.isnot(None),
                )
                .group_by(TicketEvent.counter_number)
            ).all()
        ),
        past=past or Past({}),
    )


def _open_counters(snap: Snapshot, paces: Mapping[str, Pace]) -> list[OpenCounter]:
    """Every counter and when it will call next: when its service ends, now, or on its return.

    A counter that calls nobody while its tickets wait is away; it is expected back after
    its usual break, or else as the site's past absences longer than this one ended
    (`_still_away`).
    """
    now, last_call = snap.now, snap.last_call
    breaks = snap.past.breaks
    oldest = _oldest_waiting(snap.waiting)
    counters = []
    for number, categories in snap.served.items():
        row = snap.active.get(number)
        if row is not None and row.called_at is not None:
            usual = paces.get(row.category_code, Pace(DEFAULT_SERVICE_MINUTES, DEFAULT_VARIATION))
            free_in = usual.remaining((now - row.called_at).total_seconds() / 60)
        elif (
            (number in last_call and now - last_call[number] < OPEN_WINDOW)
            or (left := _left_waiting(categories, oldest, now)) is None
            or any(start <= now < end for start, end in breaks.get(number, ()))
        ):
            free_in = 0.0  # a usual break ends as usual: the forecast waits for it
        else:
            gone_since = max(last_call.get(number, left), left)
            free_in = _still_away((now - gone_since).total_seconds() / 60, snap.past.absences)
        counters.append(OpenCounter(number, categories, free_in))
    return counters


def _still_away(gone: float, absences: Sequence[float]) -> float:
    """Minutes more a clerk `gone` minutes already is likely to stay away.

    What the site's past absences that lasted longer took beyond that, with "as long again
    as it has been gone" (at least a quarter of an hour) counted as one more of them: a
    site whose clerks come back from a late start within the hour is expected so, and
    without such a past a clerk away an hour is not back in a minute.
    """
    longer = [d - gone for d in absences if d > gone]
    return (sum(longer) + max(AWAY_RETURN_MINUTES, gone)) / (len(longer) + 1)


def _with_breaks(
    counter: OpenCounter, spans: tuple[tuple[dt.datetime, dt.datetime], ...], now: dt.datetime
) -> OpenCounter:
    away = tuple(
        ((start - now).total_seconds() / 60, (end - now).total_seconds() / 60)
        for start, end in spans
        if end > now
    )
    return OpenCounter(counter.number, counter.categories, counter.free_in, away)


def _oldest_waiting(waiting: Sequence[WaitingRow]) -> dict[str, dt.datetime]:
    """Since when the oldest ticket of each category has waited for any of its counters
    (not one sent to a single counter): read once for all counters, not once each."""
    oldest: dict[str, dt.datetime] = {}
    for w in waiting:
        if w.target_counter is None:
            since = _waits_since(w.issued_at, w.due_at)
            if w.category_code not in oldest or since < oldest[w.category_code]:
                oldest[w.category_code] = since
    return oldest


def _left_waiting(
    categories: frozenset[str], oldest: Mapping[str, dt.datetime], now: dt.datetime
) -> dt.datetime | None:
    """Since when the oldest of the counter's tickets has waited, if longer than it should."""
    since = min((oldest[c] for c in categories if c in oldest), default=None)
    return since if since is not None and now - since > LEFT_WAITING else None


def _waits_since(issued_at: dt.datetime, due_at: dt.datetime | None) -> dt.datetime:
    """When a counter could first call the ticket: a booked visitor who came early is not
    left waiting before the slot."""
    return max(issued_at, due_at) if due_at is not None else issued_at


def _expected_priority(s: Session, *, now: dt.datetime, day: dt.date) -> list[Waiting]:
    """Priority tickets likely to arrive while this one waits, at today's recent rate."""
    recent = list(
        s.scalars(
            select(QueueState.category_code).where(
                QueueState.service_day == day,
                QueueState.priority.is_(True),
                QueueState.issued_at >= now - RECENT_PRIORITY,
                QueueState.issued_at <= now,
            )
        )
    )
    if not recent:
        return []
    code = statistics.mode(recent)
    every = RECENT_PRIORITY.total_seconds() / 60 / len(recent)
    arrivals = (every * (k + 0.5) for k in range(int(PRIORITY_HORIZON_MINUTES / every)))
    return [Waiting((-1, 1, at, EXPECTED_SEQ + k), code, at) for k, at in enumerate(arrivals)]


Span = tuple[dt.datetime, dt.datetime]
Breaks = dict[int, tuple[Span, ...]]


@dataclass(frozen=True)
class Past:
    """What the last weeks tell of the site's clerks, learnt once a day."""

    breaks: Breaks  # each counter's usual breaks on the day (lunch, a late start)
    absences: tuple[float, ...] = ()  # minutes of each other time a clerk left tickets waiting


def learn_past(s: Session, *, day: dt.date, tz: dt.tzinfo) -> Past:
    """The usual breaks and the unannounced absences of the HISTORY_DAYS before `day`."""
    rows = s.execute(
        select(
            QueueState.service_day,
            QueueState.category_code,
            QueueState.counter_number,
            QueueState.target_counter,
            QueueState.issued_at,
            QueueState.due_at,
            QueueState.called_at,
            QueueState.finished_at,
        ).where(
            QueueState.service_day >= day - dt.timedelta(days=HISTORY_DAYS),
            QueueState.service_day < day,
        )
    ).all()
    return past_from(rows, served=_served_by_counter(s), day=day, tz=tz)


def past_from(
    rows: Sequence, *, served: Mapping[int, frozenset[str]], day: dt.date, tz: dt.tzinfo
) -> Past:
    """Usual breaks, slot by slot, and the other absences, from past days' tickets.

    A counter is away while it calls nobody although one of its tickets waits. On a past
    day a slot counts as "away" when the counter was so for half of it, or for
    AWAY_EVIDENCE and called nobody there; as "open" when it called someone there and was
    not away. A service running into a slot says neither: a clerk finishes the visitor
    before going to lunch, and counting that as "open" moved learnt lunches a quarter of
    an hour later. A slot away on most days is a usual break for `day`; every other time
    away longer than LEFT_WAITING is an absence, whose length tells how long the next may
    last.
    """
    by_day: dict[dt.date, list] = {}
    for row in rows:
        by_day.setdefault(row.service_day, []).append(row)
    seen: dict[tuple[int, int], list[int]] = {}  # (counter, slot) -> [open days, away days]
    away_spans: list[tuple[int, Span]] = []
    for rows_of_day in by_day.values():
        end = max(r.finished_at or r.called_at or r.issued_at for r in rows_of_day)
        for counter, categories in served.items():
            mine = [r for r in rows_of_day if r.counter_number == counter and r.called_at]
            away = _minus(
                _union(
                    # or it left; a booked visitor waited for the slot, not the clerk
                    (_waits_since(r.issued_at, r.due_at), r.called_at or r.finished_at or end)
                    for r in rows_of_day
                    if r.category_code in categories and r.target_counter in (None, counter)
                ),
                _union((r.called_at, r.finished_at or r.called_at + SLOT) for r in mine),
            )
            away_spans += ((counter, span) for span in away)
            calls = {_slot(r.called_at, tz) for r in mine}
            touched = {slot for span in away for slot in _slots_of(span, tz)}
            for slot in calls | touched:
                begin = _slot_start(rows_of_day[0].service_day, slot, tz)
                gone = sum((_overlap(span, (begin, begin + SLOT)) for span in away), ZERO)
                votes = seen.setdefault((counter, slot), [0, 0])
                if gone >= SLOT / 2 or (gone >= AWAY_EVIDENCE and slot not in calls):
                    votes[1] += 1
                elif slot in calls:
                    votes[0] += 1
    usual = {
        key
        for key, (open_days, away_days) in seen.items()
        if away_days >= 2 and away_days > open_days
    }
    breaks: Breaks = {}
    for counter in served:
        spans: list[Span] = []
        for slot in sorted(slot for number, slot in usual if number == counter):
            begin = _slot_start(day, slot, tz)
            if spans and spans[-1][1] == begin:
                spans[-1] = (spans[-1][0], begin + SLOT)
            else:
                spans.append((begin, begin + SLOT))
        breaks[counter] = tuple(spans)
    absences = tuple(
        (b - a).total_seconds() / 60
        for counter, (a, b) in away_spans
        if b - a > LEFT_WAITING and (counter, _slot(a, tz)) not in usual
    )
    return Past(breaks, absences)


def _union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        elif b > a:
            merged.append((a, b))
    return merged


def _minus(spans: list[Span], holes: list[Span]) -> list[Span]:
    """`spans` without `holes`, both sorted and disjoint."""
    out = []
    for a, b in spans:
        for h0, h1 in holes:
            if h1 <= a or h0 >= b:
                continue
            if h0 > a:
                out.append((a, h0))
            a = max(a, h1)
        if b > a:
            out.append((a, b))
    return out


def _overlap(x: Span, y: Span) -> dt.timedelta:
    return max(ZERO, min(x[1], y[1]) - max(x[0], y[0]))


def _slot(at: dt.datetime, tz: dt.tzinfo) -> int:
    local = at.astimezone(tz)
    return (local.hour * 3600 + local.minute * 60 + local.second) // int(SLOT.total_seconds())


def _slot_start(day: dt.date, slot: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz) + slot * SLOT


def _slots_of(span: Span, tz: dt.tzinfo) -> range:
    return range(_slot(span[0], tz), _slot(span[1] - dt.timedelta(microseconds=1), tz) + 1)


class RecentPaces:
    """`paces`, read again after PACES_MAX_AGE or in another hour.

    The board's status is read after every call, and reading each category's latest 200
    services was half of it; one more service among them moves a mean by a few seconds.
    """

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._held: tuple[frozenset[str], dt.datetime, dict[str, Pace]] | None = None

    def get(self, s: Session, *, categories: frozenset[str], now: dt.datetime) -> dict[str, Pace]:
        held = self._held
        if (
            held is None
            or held[0] != categories
            or not (held[1] <= now < held[1] + PACES_MAX_AGE)
            or held[1].astimezone(self.tz).hour != now.astimezone(self.tz).hour
        ):
            held = self._held = (
                categories,
                now,
                paces(s, categories=categories, now=now, tz=self.tz),
            )
        return held[2]


class WaitEstimator:
    """Estimates for one site; the counters' usual breaks are learnt once a day."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._past: tuple[dt.date, Past] | None = None
        self._paces = RecentPaces(tz)

    def snapshot(
        self, s: Session, *, categories: Collection[str], day: dt.date, now: dt.datetime
    ) -> Snapshot:
        if self._past is None or self._past[0] != day:
            self._past = (day, learn_past(s, day=day, tz=self.tz))
        return snapshot(
            s,
            categories=categories,
            day=day,
            now=now,
            tz=self.tz,
            past=self._past[1],
            recent=self._paces,
        )

    def estimate(
        self,
        s: Session,
        *,
        category: str,
        priority: bool,
        day: dt.date,
        now: dt.datetime,
        ticket_uuid: uuid.UUID | None = None,
    ) -> Estimate:
        snap = self.snapshot(s, categories=(category,), day=day, now=now)
        return estimate(snap, category=category, priority=priority, ticket_uuid=ticket_uuid)


def _entry(row: WaitingRow, now: dt.datetime) -> Waiting:
    if row.due_at is not None:
        due = (row.due_at - now).total_seconds() / 60
        key = (-row.priority, 0, due, row.ticket_seq)
        return Waiting(key, row.category_code, max(0.0, due), row.target_counter)
    issued = (row.issued_at - now).total_seconds() / 60
    return Waiting(
        (-row.priority, 1, issued, row.ticket_seq), row.category_code, 0.0, row.target_counter
    )


def _paces(snap: Snapshot, categories: Collection[str]) -> dict[str, Pace]:
    return {code: snap.paces[code] for code in set().union(*snap.served.values(), categories)}


def _service_times(snap: Snapshot, paces: Mapping[str, Pace]) -> ServiceTimes:
    local = snap.now.astimezone(snap.tz)
    return ServiceTimes(
        means={code: p.mean for code, p in paces.items()},
        by_hour={code: p.by_hour for code, p in paces.items()},
        clock=local.hour * 60 + local.minute + local.second / 60,
    )


def _counters(snap: Snapshot, paces: Mapping[str, Pace]) -> list[OpenCounter]:
    return [
        _with_breaks(c, snap.past.breaks.get(c.number, ()), snap.now)
        for c in _open_counters(snap, paces)
    ]


def _said(
    result: tuple[float, int] | None,
    ticket: Waiting,
    counters: Sequence[OpenCounter],
    paces: Iterable[Pace],
) -> Estimate:
    """The wait as told: the minutes of the play, and a range as wide as it is unsure."""
    if result is None or result[0] <= 0:
        return Estimate(0, 0, 0)
    minutes, before = result
    serving = max(1, sum(_serves(c, ticket) for c in counters))
    variation = statistics.fmean(p.variation for p in paces)
    # a sum of k services varies as 1/√k of one; expected priority arrivals add some doubt
    spread = min(0.6, variation / math.sqrt(max(1.0, before / serving)) + 0.1)
    return Estimate(
        minutes=max(1, round(minutes)),
        low=max(1, math.floor(minutes * (1 - spread))),
        high=max(1, math.ceil(minutes * (1 + spread))),
    )


def estimate(
    snap: Snapshot,
    *,
    category: str,
    priority: bool,
    ticket_uuid: uuid.UUID | None = None,
) -> Estimate:
    """The wait of a waiting ticket, or of one of `category` issued now when no uuid is given."""
    ours = next((w for w in snap.waiting if w.ticket_uuid == ticket_uuid), None)
    if ours is None:
        return estimates_new(snap, [(category, priority)])[0]
    paces = _paces(snap, (category,))
    ticket = _entry(ours, snap.now)
    others = [_entry(w, snap.now) for w in snap.waiting if w is not ours]
    counters = _counters(snap, paces)
    result = forecast(
        ticket=ticket,
        queue=[*others, *snap.expected],
        counters=counters,
        service_minutes=_service_times(snap, paces),
    )
    return _said(result, ticket, counters, paces.values())


def estimates_new(snap: Snapshot, categories: Sequence[tuple[str, bool]]) -> list[Estimate]:
    """The wait of a ticket of each (category, priority) issued now: what `estimate` tells
    each, the queue read into the play once for all (the status of twelve categories read it
    twelve times)."""
    paces = _paces(snap, [code for code, _ in categories])
    counters = _counters(snap, paces)
    times = _service_times(snap, paces)
    queue = sorted(
        [*(_entry(w, snap.now) for w in snap.waiting), *snap.expected], key=lambda w: w.key
    )
    served = set().union(*snap.served.values())
    # A new ticket is called when the same counters come to it whatever its category: its
    # own service time comes after. Categories of one priority served by the same counters
    # share one play (a board of twelve categories played the whole queue twelve times),
    # and one no counter serves is never called.
    plays: dict[tuple[bool, frozenset[int]], tuple[float, int] | None] = {}
    told = []
    for code, priority in categories:
        ticket = Waiting((-priority, 1, 0.0, EXPECTED_SEQ - 1), code, 0.0)
        by = (priority, frozenset(c.number for c in counters if code in c.categories))
        if by not in plays:
            plays[by] = (
                forecast(ticket=ticket, queue=queue, counters=counters, service_minutes=times)
                if by[1]
                else None
            )
        # the paces `estimate` averages for this category alone
        own = [p for c, p in paces.items() if c in served or c == code]
        told.append(_said(plays[by], ticket, counters, own))
    return told


def estimates(snap: Snapshot) -> dict[uuid.UUID, Estimate]:
    """The wait of every waiting ticket of the snapshot, from one play of the counters: what
    `estimate` tells each, for the price of one (the live tickets of every phone)."""
    entries = {row.ticket_uuid: (row, _entry(row, snap.now)) for row in snap.waiting}
    paces = _paces(snap, {row.category_code for row in snap.waiting})
    counters = _counters(snap, paces)
    played = play(
        queue=[*(w for _, w in entries.values()), *snap.expected],
        counters=counters,
        service_minutes=_service_times(snap, paces),
    )
    served = set().union(*snap.served.values())
    return {
        ticket: _said(
            played.get(w),
            w,
            counters,
            # the same paces `estimate` averages for this ticket's category alone
            [p for code, p in paces.items() if code in served or code == row.category_code],
        )
        for ticket, (row, w) in entries.items()
    }
