"""The nightly job: pull, push, pull the catalogue, one run at a time, retried within a time
budget.

Its outcome goes to the local `sync_runs` table, which the staff and admin screens show.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy.exc
from psycopg.types.json import Jsonb

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import SyncRun, utcnow
from sync.booking_pull import BookingWindow, pull_bookings
from sync.catalog import SnapshotRejected, pull
from sync.central import CentralTarget
from sync.handling import pull_handling
from sync.push import Progress, PushPlan, PushRefused, plan_push, push
from sync.status import pull_every_min, send_status

log = logging.getLogger(__name__)


class SyncBusy(KioskError):
    """Another sync run holds the lock."""

    code = "sync_busy"
    status = 409


@dataclass
class SyncOutcome:
    ok: bool
    pushed: dict[str, int] = field(default_factory=dict)
    pulled_revision: int | None = None
    #: handling events the centre made for the site's messages, new to the site
    pulled_events: int = 0
    #: the site's bookings new or changed at the centre
    pulled_bookings: int = 0
    attempts: int = 0
    error: str | None = None
    seconds: float = 0.0
    #: rows the centre would refuse, and tables waiting for them: pushed no further
    held: list[str] = field(default_factory=list)
    #: how far the site's clock is ahead of the centre's (negative: behind), in seconds
    clock_skew_s: float | None = None
    #: why the run failed when a retry cannot mend it: a ClockAhead's or PushRefused's code,
    #: or HELD when rows were held back (the CLI's exit code follows from it)
    code: str | None = None
    #: the code of any other refusal that ended the run (a catalogue the site rejected…)
    refusal: str | None = None
    #: the minutes between daytime syncs the centre set for this site (None: nightly only)
    every_min: int | None = None


HELD = "sync_held"


class ClockAhead(KioskError):
    """The site's clock is ahead of the centre's beyond the tolerance: nothing is pushed."""

    code = "sync_clock_ahead"
    status = 409

    def __init__(self, skew_s: float, tolerance_s: float) -> None:
        self.skew_s = skew_s
        super().__init__(
            f"the site's clock is {_duration(skew_s)} ahead of the centre's (tolerance "
            f"{_duration(tolerance_s)}): nothing was pushed, so no record is dated in the "
            "future; set the clock right (timedatectl, NTP) and sync again",
            ahead=_duration(skew_s),
        )


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds:.0f} s"


def clock_skew(
    central: psycopg.Connection, clock: Callable[[], dt.datetime]
) -> tuple[float, dt.datetime]:
    """The site's clock minus the centre's, in seconds, read in the middle of a round trip;
    and the centre's time."""
    before = clock()
    (centre,) = central.execute("SELECT clock_timestamp()").fetchone()
    after = clock()
    central.commit()
    return ((before + (after - before) / 2) - centre).total_seconds(), centre


@contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive lock file; the kernel drops it when the process dies, even by SIGKILL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "sync.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy("another sync run is in progress") from None
        yield
    finally:
        os.close(fd)


# a refused login, a missing grant, an unknown database or a schema mismatch will not mend
# by waiting; libpq reports a refused login before any SQLSTATE, so its words are matched too.
# Nor will TLS that does not match: a server without TLS where sslmode requires it, a
# certificate another CA signed or made out to another host, a CA file missing, an answer
# that is not PostgreSQL's to the TLS request (a cut link mid-handshake is "SSL SYSCALL")
_LASTING = (
    "authentication failed",
    "permission denied",
    "does not exist",
    "no pg_hba.conf",
    "SSL was required",
    "certificate",
    "SSL negotiation",
    "wrong version number",
    "tlsv1 alert",
    "does not support SSL",
)


def _retryable(exc: BaseException) -> bool:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate[:2] in ("28", "42", "3D") or any(w in str(exc) for w in _LASTING):
        return False
    return isinstance(
        exc, psycopg.OperationalError | sqlalchemy.exc.OperationalError | TimeoutError | OSError
    )


def _log(
    central: psycopg.Connection,
    site_id: str,
    started_at: dt.datetime,
    outcome: SyncOutcome,
    held: list[str],
    finished_at: dt.datetime,
    settings_version: int | None = None,
) -> None:
    """Log a run that reached the centre, with the handover version it pulled before its
    push (None: a run refused before its pull, its clock ahead, or whose steps wait on the
    site)."""
    central.execute(
        "INSERT INTO sync_log (site_id, started_at, finished_at, pushed, held, clock_skew_s, "
        "settings_version) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            site_id,
            started_at,
            finished_at,
            Jsonb(outcome.pushed),
            Jsonb(held) if held else None,
            outcome.clock_skew_s,
            settings_version,
        ),
    )
    central.commit()


def _report(
    central: psycopg.Connection,
    site_id: str,
    facts: dict[str, Any] | None,
    outcome: SyncOutcome,
    clock: Callable[[], dt.datetime],
) -> None:
    """Read the site's daytime interval and append its status, after the run's records are
    committed: a centre not yet at the schema of both (`kiosk central init`) costs the site
    its status, never its sync."""
    try:
        outcome.every_min = pull_every_min(central, site_id)
        if facts is not None:
            send_status(central, site_id=site_id, reported_at=clock(), facts=facts, outcome=outcome)
    except psycopg.Error:
        central.rollback()
        log.warning("the site's status was not sent", exc_info=True)


def _report_failure(
    target: CentralTarget,
    site_id: str,
    report: Callable[[], dict[str, Any]],
    outcome: SyncOutcome,
    clock: Callable[[], dt.datetime],
) -> None:
    """Tell the centre a run failed, if it answers: a refusal is worth reading there; a
    centre out of reach learns nothing, and sees the site fall silent instead."""
    try:
        facts = report()
        with target.connect(timeout_s=5) as central:
            send_status(central, site_id=site_id, reported_at=clock(), facts=facts, outcome=outcome)
    except Exception:
        log.info("the failed run's status was not sent", exc_info=True)


def run_sync(
    db: Database,
    target: CentralTarget,
    *,
    batch_size: int,
    time_budget_s: float,
    connections: int = 2,
    on_plan: Callable[[PushPlan], None] | None = None,
    progress: Progress | None = None,
    site_id: str | None = None,
    first_delay_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock_tolerance_s: float | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    report: Callable[[], dict[str, Any]] | None = None,
    bookings: BookingWindow | None = None,
) -> SyncOutcome:
    """Pull the handling, push, then pull the catalogue, retrying failures that may pass with
    exponential backoff and jitter.

    With `site_id`, each run that reached the centre is also logged in its `sync_log`, with
    the clock skew the centre saw (`clock` is the site's). Given `clock_tolerance_s` (as
    `kiosk sync` always gives it), a site clock ahead by more pushes nothing, and records
    dated beyond the centre's clock plus it are held back. With `site_id` and `report` (the
    site's facts, sync/status.py), the run also appends the site's status, with its own
    result, even when there was nothing to push or the run failed, if the centre answers.
    With `bookings`, the run also pulls the site's bookings of those days (sync/booking_pull.py).
    """
    started = time.monotonic()
    started_at = clock()
    with db.write() as s:
        run = SyncRun(started_at=started_at, ok=False, pushed={})
        s.add(run)
        s.flush()
        run_id = run.id
    outcome = SyncOutcome(ok=False)

    def committed(table: str, rows: int) -> None:
        # counted as each batch commits, so the rows of an attempt that then failed count too
        outcome.pushed[table] = outcome.pushed.get(table, 0) + rows
        if progress:
            progress(table, rows)

    delay = first_delay_s
    reported = False
    while True:
        outcome.attempts += 1
        try:
            not_after = None
            with target.connect() as central:
                if site_id or clock_tolerance_s is not None:  # a skew to log or to check
                    outcome.clock_skew_s, centre_now = clock_skew(central, clock)
                    if clock_tolerance_s is not None:
                        if outcome.clock_skew_s > clock_tolerance_s:
                            error = ClockAhead(outcome.clock_skew_s, clock_tolerance_s)
                            if site_id:
                                _log(central, site_id, started_at, outcome, [str(error)], clock())
                            raise error
                        not_after = centre_now + dt.timedelta(seconds=clock_tolerance_s)
                # before the push: a step the site took before it learned of a handover is
                # then in this push, at the centre before the log says the site knows
                handover = pull_handling(db, central)
                outcome.pulled_events = handover.events
            plan = plan_push(db, count=on_plan is not None)
            if on_plan:
                on_plan(plan)
            hold = push(
                db,
                target.connect,
                plan=plan,
                batch_size=batch_size,
                connections=connections,
                progress=committed,
                not_after=not_after,
            ).held
            # what could go went; a row held back fails the run until it is mended
            outcome.ok, outcome.error = not hold, str(hold) if hold else None
            outcome.code = HELD if hold else None
            outcome.held = [str(r) for r in hold.refused] + [
                f"{t} waits for {', '.join(p)}" for t, p in hold.waiting.items()
            ]
            # before the connection opens: the doctor's checks must not hold it
            facts = report() if report and site_id else None
            # a step held back on the site is not at the centre: the site has not yet handed
            # the case over, whatever it pulled
            seen = None if "message_events" in hold.stopped else handover.version
            with target.connect() as central:
                outcome.pulled_revision = pull(db, central)
                if bookings is not None:
                    outcome.pulled_bookings = pull_bookings(db, central, bookings, now=clock())
                if site_id:
                    _log(central, site_id, started_at, outcome, outcome.held, clock(), seen)
                    _report(central, site_id, facts, outcome, clock)
                    reported = True
            break
        except (SnapshotRejected, ClockAhead) as exc:
            outcome.ok, outcome.refusal = False, exc.code
            outcome.error = str(exc)
            # only the codes the CLI's exit code follows (SyncOutcome.code)
            outcome.code = exc.code if isinstance(exc, ClockAhead) else None
            break
        except Exception as exc:
            outcome.ok = False
            outcome.refusal = exc.code if isinstance(exc, KioskError) else None
            outcome.error = f"{type(exc).__name__}: {exc}".strip()
            outcome.code = exc.code if isinstance(exc, PushRefused) else None
            spent = time.monotonic() - started
            if not _retryable(exc) or spent + delay > time_budget_s:
                break
            # the outcome keeps the last attempt's error only: the earlier ones go to the log
            log.warning("sync attempt %d failed, retrying", outcome.attempts, exc_info=True)
            sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 300)
    if report and site_id and not reported:
        _report_failure(target, site_id, report, outcome, clock)
    outcome.seconds = time.monotonic() - started
    with db.write() as s:
        run = s.get(SyncRun, run_id)
        run.finished_at = clock()
        run.ok = outcome.ok
        run.pushed = dict(outcome.pushed)
        run.pulled_revision = outcome.pulled_revision
        run.error = outcome.error and outcome.error[:4000]
        run.clock_skew_s = outcome.clock_skew_s
    return outcome
