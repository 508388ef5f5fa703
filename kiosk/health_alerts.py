"""What is wrong with the kiosk now, for staff: a silent app, the printer, the disk, the clock, sync.

One list, computed here from the heartbeat, the printer's latest state, the data directory's
file system and the last sync run; the staff web words it (kiosk/web/alert_texts.py) and
shows it on the admin page and the counter panel, never on the lobby board.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import make_url

from kiosk.config import Config
from kiosk.db import Database, StorageFailed
from kiosk.health import Health
from kiosk.vocabulary import PrinterState

log = logging.getLogger(__name__)


class HealthAlertCode(StrEnum):
    KIOSK_SILENT = "kiosk_silent"  #: no heartbeat from the touchscreen app for a while; `since`
    PRINTER_PAPER_OUT = "printer_paper_out"  #: no ticket comes out
    PRINTER_COVER_OPEN = "printer_cover_open"
    PRINTER_PAPER_NEAR_END = "printer_paper_near_end"  #: prints, but the roll is nearly done
    PRINTER_OFFLINE = "printer_offline"  #: silent, offline or failing otherwise
    DISK_NEARLY_FULL = "disk_nearly_full"  #: `amount`: per cent used
    DISK_READ_ONLY = "disk_read_only"  #: nothing can be stored: no ticket can be issued
    CLOCK_AHEAD = "clock_ahead"  #: `amount`: minutes ahead of the centre at the last sync
    CLOCK_BEHIND = "clock_behind"  #: `amount`: minutes behind
    SYNC_FAILED = "sync_failed"  #: the last run failed; `since`: when it started
    SYNC_TOO_OLD = "sync_too_old"  #: `since`: when the last successful run started
    SYNC_NEVER = "sync_never"  #: runs were made, none succeeded


@dataclass(frozen=True)
class HealthAlert:
    code: HealthAlertCode
    since: dt.datetime | None = None
    amount: int | None = None


PRINTER_ALERTS = {
    PrinterState.PAPER_OUT: HealthAlertCode.PRINTER_PAPER_OUT,
    PrinterState.COVER_OPEN: HealthAlertCode.PRINTER_COVER_OPEN,
    PrinterState.PAPER_NEAR_END: HealthAlertCode.PRINTER_PAPER_NEAR_END,
    PrinterState.OFFLINE: HealthAlertCode.PRINTER_OFFLINE,
    PrinterState.NO_ANSWER: HealthAlertCode.PRINTER_OFFLINE,
    PrinterState.ERROR: HealthAlertCode.PRINTER_OFFLINE,
}


@dataclass(frozen=True)
class DiskUse:
    percent: int
    read_only: bool


def disk_use(path: Path) -> DiskUse:
    """How full the file system holding `path` is, for an ordinary user, and whether it is read-only.

    A `path` not made yet is on its nearest existing folder's file system.
    """
    st = os.statvfs(next(p for p in (path, *path.parents) if p.exists()))
    # f_bavail, not f_bfree: the blocks reserved for root are no use to the kiosk user
    used = st.f_blocks - st.f_bavail
    percent = round(100 * used / st.f_blocks) if st.f_blocks else 0
    return DiskUse(percent=percent, read_only=bool(st.f_flag & os.ST_RDONLY))


def _printer(health: Health) -> HealthAlert | None:
    """From the newest word on the printer: its latest device event or the app's heartbeat."""
    event, beat = health.device_state(device="printer"), health.last_beat()
    if beat is not None and beat.printer and (event is None or beat.at > event.at):
        state, since = beat.printer, None
    elif event is not None:
        state, since = event.status, event.at
    else:
        return None
    code = PRINTER_ALERTS.get(state)  # a StrEnum member is its text; "paper_replaced" is none
    return HealthAlert(code, since=since) if code else None


def _database_folder(db: Database) -> Path | None:
    """Where a SQLite database file lies: the disk that decides whether a ticket is stored."""
    name = make_url(db.url).database if db.is_sqlite else None
    return Path(name).parent if name and name != ":memory:" else None


def health_alerts(db: Database, config: Config, *, now: dt.datetime) -> list[HealthAlert]:
    """Everything staff should know is wrong with the kiosk at `now`: the disk first, as a full
    or read-only one stops the tickets."""
    disk = disk_use(_database_folder(db) or config.data_dir)
    if disk.read_only:
        alerts = [HealthAlert(HealthAlertCode.DISK_READ_ONLY)]
    elif disk.percent >= config.doctor.disk_warn_percent:
        alerts = [HealthAlert(HealthAlertCode.DISK_NEARLY_FULL, amount=disk.percent)]
    else:
        alerts = []
    try:
        recorded = _recorded_alerts(Health(db, config, clock=lambda: now), config, now=now)
    except StorageFailed:
        if not alerts:
            raise
        # SQLite opens no new connection on a read-only disk (its WAL index is a file beside
        # the database): the disk's alert is then all there is to say, and it says why
        log.warning("the database cannot be read: only the disk's alert is shown", exc_info=True)
        return alerts
    return alerts + recorded


def _recorded_alerts(health: Health, config: Config, *, now: dt.datetime) -> list[HealthAlert]:
    """The alerts that follow from what the database holds: heartbeat, printer, sync."""
    limits = config.health
    alerts: list[HealthAlert] = []
    beat = health.last_beat()
    if beat is not None and (now - beat.at).total_seconds() > limits.silent_after_s:
        alerts.append(HealthAlert(HealthAlertCode.KIOSK_SILENT, since=beat.at))
    printer = _printer(health)
    if printer is not None:
        alerts.append(printer)
    # a run that failed before reaching the centre measured nothing: the last one that did
    skew = health.last_clock_skew()
    if skew is not None and abs(skew) >= config.doctor.clock_alert_s:
        code = HealthAlertCode.CLOCK_AHEAD if skew > 0 else HealthAlertCode.CLOCK_BEHIND
        alerts.append(HealthAlert(code, amount=round(abs(skew) / 60)))
    sync = health.last_sync()
    if sync is not None:
        if sync.finished_at is not None and not sync.ok:
            alerts.append(HealthAlert(HealthAlertCode.SYNC_FAILED, since=sync.started_at))
        last_ok = health.last_good_sync()
        if last_ok is None:
            alerts.append(HealthAlert(HealthAlertCode.SYNC_NEVER))
        elif now - last_ok > dt.timedelta(hours=config.doctor.sync_max_age_hours):
            alerts.append(HealthAlert(HealthAlertCode.SYNC_TOO_OLD, since=last_ok))
    return alerts
