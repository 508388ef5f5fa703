"""What a site says of itself at each sync, appended to the centre's `site_status`; the
interval of its daytime syncs, set at the centre and kept on the site between runs.

The report is a JSON document (version `STATUS_VERSION`): the kiosk's heartbeat and the
printer's state, the doctor's quick checks as codes and parameters (the centre words them in
its reader's language), the records still waiting to be pushed, the code version, the clock
skew and the run's own result. Only the quick checks run: a sync never waits on the network,
the printer or the speakers, and the sync and clock checks are left out because the centre
sees those itself, better than a run in progress could.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.checks import CheckName, Finding, OsReason, Seconds, Status, When
from kiosk.config import Config
from kiosk.db import Database
from kiosk.health import Health
from kiosk.models import utcnow
from kiosk.web.app_info import version

if TYPE_CHECKING:
    import psycopg

    from sync.job import SyncOutcome

STATUS_VERSION = 1
#: the centre sees a site's syncs and clock itself (sync_log): a run in progress would say less
LEFT_OUT = (CheckName.SYNC, CheckName.CLOCK)
#: where a site keeps the daytime interval the centre set, between runs
SCHEDULE_FILE = "sync-schedule.json"
#: a daytime run is due this much before its interval is up: the timer's own ticks jitter
DUE_SLACK = dt.timedelta(seconds=60)


def _param(value: Any) -> Any:
    # tagged, so the centre can word a duration and a moment as the site's doctor does
    if isinstance(value, Seconds):
        return {"seconds": float(value)}
    if isinstance(value, dt.datetime):
        return {"when": value.isoformat()}
    if isinstance(value, OsReason):
        return {"os": str(value)}
    return value


def _unparam(value: Any) -> Any:
    if isinstance(value, dict) and value.keys() == {"seconds"}:
        return Seconds(value["seconds"])
    if isinstance(value, dict) and value.keys() == {"when"}:
        return When.fromisoformat(value["when"])
    if isinstance(value, dict) and value.keys() == {"os"}:
        return OsReason(value["os"])
    return value


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check.value,
        "status": finding.status.value,
        "code": finding.code,
        "params": {k: _param(v) for k, v in finding.params.items()},
    }


def findings_from(checks: list[Mapping[str, Any]]) -> list[Finding]:
    """The findings of a pushed report; a check or code this version does not know (a newer
    site's) is skipped, never a failure of the page."""
    from kiosk.checks import TEXTS

    found = []
    for item in checks:
        try:
            check, status = CheckName(item["check"]), Status(item["status"])
        except (KeyError, ValueError):
            continue
        if item.get("code") in TEXTS:
            params = {k: _unparam(v) for k, v in (item.get("params") or {}).items()}
            found.append(Finding(check, status, item["code"], params))
    return found


def _moment(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def site_facts(config: Config, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> dict:
    """The site's own part of the report: what the kiosk and the doctor last knew, and what
    is still waiting to be pushed."""
    from kiosk.doctor import examine
    from sync.push import plan_push

    now = clock()
    health = Health(db, config, clock=clock)
    beat = health.last_beat()
    printer = health.device_state(device="printer")
    findings = [
        f for f in examine(config, db, on_request=False, now=now) if f.check not in LEFT_OUT
    ]
    return {
        "v": STATUS_VERSION,
        "version": version(),
        "heartbeat": None if beat is None else {"at": _moment(beat.at), "printer": beat.printer},
        "printer": None
        if printer is None
        else {"status": printer.status, "detail": printer.detail, "at": _moment(printer.at)},
        "checks": [finding_json(f) for f in findings],
        "waiting": plan_push(db, count=True).total,
    }


def run_result(outcome: SyncOutcome) -> dict[str, Any]:
    """The run's result as the report carries it: ok, or the refusal's code and its text."""
    return {
        "ok": outcome.ok,
        "code": outcome.code or outcome.refusal,
        "error": outcome.error and outcome.error[:1000],
        "attempts": outcome.attempts,
        "pushed": sum(outcome.pushed.values()),
        "held": len(outcome.held),
    }


def send_status(
    central: psycopg.Connection,
    *,
    site_id: str,
    reported_at: dt.datetime,
    facts: Mapping[str, Any],
    outcome: SyncOutcome,
) -> None:
    from psycopg.types.json import Jsonb

    status = {
        **facts,
        "sync": run_result(outcome),
        "clock_skew_s": outcome.clock_skew_s,
        "every_min": outcome.every_min,
    }
    central.execute(
        "INSERT INTO site_status (site_id, reported_at, status) VALUES (%s, %s, %s)",
        (site_id, reported_at, Jsonb(status)),
    )
    central.commit()


def pull_every_min(central: psycopg.Connection, site_id: str) -> int | None:
    """The minutes between this site's daytime syncs as the centre set them (None: nightly)."""
    row = central.execute(
        "SELECT sync_every_min FROM site_settings WHERE site_id = %s", (site_id,)
    ).fetchone()
    central.commit()
    return None if row is None else row[0]


def save_schedule(data_dir: Path, every_min: int | None, *, at: dt.datetime) -> None:
    """Keep the interval on the site: a daytime tick decides without reaching the centre."""
    path = data_dir / SCHEDULE_FILE
    part = path.with_suffix(".part")
    part.write_text(json.dumps({"every_min": every_min, "pulled_at": at.isoformat()}))
    os.replace(part, path)


def saved_every_min(data_dir: Path) -> int | None:
    try:
        value = json.loads((data_dir / SCHEDULE_FILE).read_text()).get("every_min")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and value > 0 else None


def sync_due(
    data_dir: Path, last_started: dt.datetime | None, *, now: dt.datetime
) -> tuple[bool, int | None]:
    """Whether a daytime tick should sync: the centre set an interval for this site and the
    last run started at least that long ago; and the interval."""
    every = saved_every_min(data_dir)
    if every is None:
        return False, None
    if last_started is None:
        return True, every
    return now - last_started >= dt.timedelta(minutes=every) - DUE_SLACK, every
