"""Which checks the doctor runs, in the order they are read: `kiosk doctor`, the admin page and
the touchscreen's staff screen all take their list from here."""

from __future__ import annotations

import datetime as dt

from kiosk import local_checks as local
from kiosk.checks import Check, CheckName, Finding, Status, run_checks, worst
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import utcnow


def site_checks(config: Config, db: Database, *, now: dt.datetime | None = None) -> list[Check]:
    """Every check of a configured site; the network's, the printer's and the speakers' are
    marked to run only on request on the staff pages."""
    at = now or utcnow()
    # a check waits less than the whole report may, so its own error is what is shown
    wait = config.doctor.check_timeout_s * 0.8
    return [
        Check(CheckName.CONFIG, lambda: local.config_check(config)),
        Check(CheckName.DATABASE, lambda: local.database_check(db)),
        Check(CheckName.DISK, lambda: local.disk_check(config)),
        Check(CheckName.PRINTER, lambda: _printer(config), on_request=True),
        Check(CheckName.SPEECH, local.speech_check, on_request=True),
        Check(CheckName.SOUND, local.sound_check),
        Check(CheckName.TIME_SERVICE, local.time_service_check),
        Check(CheckName.CLOCK, lambda: local.clock_check(db, config, now=at), reads_database=True),
        Check(CheckName.CENTRAL, lambda: _central(config, wait), on_request=True),
        Check(CheckName.SYNC, lambda: local.sync_check(db, config, now=at), reads_database=True),
        Check(CheckName.BACKUP, lambda: local.backup_check(db, config, now=at)),
        Check(CheckName.WEB, lambda: local.web_check(config, timeout_s=wait)),
    ]


# escpos and psycopg are imported by the checks that use them: the admin page and the
# touchscreen's staff screen run the quick checks without either


def _printer(config: Config) -> list[Finding]:
    from devices.checks import printer_check

    return printer_check(config)


def _central(config: Config, timeout_s: float) -> list[Finding]:
    from sync.checks import central_check

    return central_check(config, timeout_s=timeout_s)


def examine(
    config: Config, db: Database, *, on_request: bool = True, now: dt.datetime | None = None
) -> list[Finding]:
    """The findings of every check; with `on_request` False only those quick enough for a page.

    The database is checked first: the checks that read its tables are not run on a
    database that cannot be used, whose failure says it all."""
    timeout = config.doctor.check_timeout_s
    checks = [c for c in site_checks(config, db, now=now) if on_request or not c.on_request]
    first = [c for c in checks if c.name is CheckName.DATABASE]
    done = {CheckName.DATABASE: run_checks(first, timeout_s=timeout)}
    if worst(done[CheckName.DATABASE]) is Status.FAILURE:
        for check in checks:
            if check.reads_database:
                done[check.name] = [Finding(check.name, Status.WARNING, "needs_database")]
    rest = [c for c in checks if c.name not in done]
    found = run_checks(rest, timeout_s=timeout)
    for finding in found:
        done.setdefault(finding.check, []).append(finding)
    return [f for c in checks for f in done.get(c.name, [])]
