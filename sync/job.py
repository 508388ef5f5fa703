"""The nightly job: push then pull, one run at a time, retried within a time budget.

Its outcome goes to the local `sync_runs` table, which the staff and admin screens show.
"""

from __future__ import annotations

import fcntl
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import sqlalchemy.exc
from psycopg.types.json import Jsonb

from kiosk.db import Database
from kiosk.models import SyncRun, utcnow
from sync.catalog import SnapshotRejected, pull
from sync.central import CentralTarget
from sync.push import Progress, PushPlan, plan_push, push


class SyncBusy(Exception):
    """Another sync run holds the lock."""


@dataclass
class SyncOutcome:
    ok: bool
    pushed: dict[str, int] = field(default_factory=dict)
    pulled_revision: int | None = None
    attempts: int = 0
    error: str | None = None
    seconds: float = 0.0
    #: rows the centre would refuse, and tables waiting for them: pushed no further
    held: list[str] = field(default_factory=list)


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
) -> SyncOutcome:
    """Push then pull, retrying failures that may pass with exponential backoff and jitter.

    With `site_id`, a successful run is also logged in the centre's `sync_log`.
    """
    started = time.monotonic()
    started_at = utcnow()
    with db.write() as s:
        run = SyncRun(started_at=started_at, ok=False, pushed={})
        s.add(run)
        s.flush()
        run_id = run.id
    outcome = SyncOutcome(ok=False)
    delay = first_delay_s
    while True:
        outcome.attempts += 1
        try:
            plan = plan_push(db, count=on_plan is not None)
            if on_plan:
                on_plan(plan)
            hold = push(
                db,
                target.connect,
                plan=plan,
                batch_size=batch_size,
                connections=connections,
                sent=outcome.pushed,
                progress=progress,
            )
            with target.connect() as central:
                outcome.pulled_revision = pull(db, central)
                outcome.held = str(hold).splitlines()[:-1] if hold else []
                if site_id:
                    central.execute(
                        "INSERT INTO sync_log (site_id, started_at, finished_at, pushed, held) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        (
                            site_id,
                            started_at,
                            utcnow(),
                            Jsonb(outcome.pushed),
                            Jsonb(outcome.held) if hold else None,
                        ),
                    )
                    central.commit()
            # what could go went; a row held back fails the run until it is mended
            outcome.ok, outcome.error = not hold, str(hold) if hold else None
            break
        except SnapshotRejected as exc:
            outcome.error = str(exc)
            break
        except Exception as exc:
            outcome.error = f"{type(exc).__name__}: {exc}".strip()
            spent = time.monotonic() - started
            if not _retryable(exc) or spent + delay > time_budget_s:
                break
            sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 300)
    outcome.seconds = time.monotonic() - started
    with db.write() as s:
        run = s.get(SyncRun, run_id)
        run.finished_at = utcnow()
        run.ok = outcome.ok
        run.pushed = dict(outcome.pushed)
        run.pulled_revision = outcome.pulled_revision
        run.error = outcome.error and outcome.error[:4000]
    return outcome
