"""The doctor's checks of this PC and its site database: no device, no central server.

Each function returns its findings (kiosk/checks.py); the printer's check is in devices/,
the central server's in sync/, and kiosk/doctor.py puts them in order.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import wave
from pathlib import Path

from sqlalchemy import select, text

from kiosk.backup import last_backup
from kiosk.checks import CheckName, Finding, OsReason, Seconds, Status, When
from kiosk.clock_skew import last_measurement, latest_off_period
from kiosk.config import Config
from kiosk.db import Database, DatabaseDamaged, SchemaError
from kiosk.models import SyncRun

SECRETS = ("ui.admin_pin", "web.secret", "sync.central_url")
#: a sentence espeak-ng must be able to say in Bulgarian
SPEECH_SAMPLE = "Проверка на звука: номер А двадесет и три, гише три."
#: espeak-ng's Bulgarian voice is tiny: a few seconds more than this is a stuck process
SPEECH_TIMEOUT_S = 8.0
#: where ALSA lists the sound cards (what `aplay -l` reads)
ASOUND_CARDS = Path("/proc/asound/cards")


def _f(check: CheckName, status: Status, code: str, **params: object) -> Finding:
    return Finding(check, status, code, params)


# --- the configuration -----------------------------------------------------------------


def config_check(config: Config) -> list[Finding]:
    """Its secrets: a file reference must give something and be the kiosk user's alone."""
    found: list[Finding] = []
    for key in SECRETS:
        table, name = key.split(".")
        ref = getattr(getattr(config, table), name)
        kind, _, where = ref.partition(":")
        if kind == "file":
            path = Path(where) if Path(where).is_absolute() else config.base_dir / where
            if path.is_file() and path.stat().st_mode & 0o077:
                mode = f"{stat.S_IMODE(path.stat().st_mode):o}"
                found.append(
                    _f(
                        CheckName.CONFIG,
                        Status.WARNING,
                        "secret_open",
                        key=key,
                        path=str(path),
                        mode=mode,
                    )
                )
        if config.secret(key) is not None:
            continue
        if key == "ui.admin_pin":
            found.append(_f(CheckName.CONFIG, Status.WARNING, "admin_pin_unset"))
        elif kind == "file":  # an environment variable unset is a choice (web: a generated key)
            found.append(
                _f(CheckName.CONFIG, Status.FAILURE, "secret_unreadable", key=key, ref=ref)
            )
    return found or [_f(CheckName.CONFIG, Status.OK, "config_ok", source=config.source)]


# --- the site database -----------------------------------------------------------------


def database_check(db: Database) -> Finding:
    """It opens, SQLite's quick_check finds no damage, its schema is the code's."""
    name = CheckName.DATABASE
    try:
        with db.read() as s:
            s.execute(text("SELECT 1"))
        current = db.current_revisions()
    except Exception as exc:
        error = str(getattr(exc, "orig", None) or exc)
        return _f(name, Status.FAILURE, "database_unreachable", url=db.safe_url, error=error)
    try:
        db.check_integrity()
    except DatabaseDamaged as exc:
        return _f(name, Status.FAILURE, "database_damaged", detail=str(exc))
    if not current:
        return _f(name, Status.FAILURE, "schema_missing", url=db.safe_url)
    try:
        db.check_schema()
    except SchemaError:
        needed = ", ".join(sorted(db.head_revisions()))
        return _f(
            name,
            Status.FAILURE,
            "schema_mismatch",
            current=", ".join(sorted(current)),
            needed=needed,
        )
    return _f(name, Status.OK, "database_ok", url=db.safe_url, revision=", ".join(sorted(current)))


# --- free disk space -------------------------------------------------------------------


def disk_check(config: Config) -> Finding:
    """The disk of the data folder (the SQLite file, the printer's copies, the backups)."""
    path = config.data_dir
    while not path.exists():  # not made yet: the disk it will be made on
        path = path.parent
    usage = shutil.disk_usage(path)
    used = round(100 * (usage.total - usage.free) / usage.total) if usage.total else 100
    status, code = Status.OK, "disk_ok"
    if used > config.doctor.disk_fail_percent:
        status, code = Status.FAILURE, "disk_full"
    elif used > config.doctor.disk_warn_percent:
        status, code = Status.WARNING, "disk_low"
    return _f(
        CheckName.DISK,
        status,
        code,
        path=str(path),
        used=used,
        free_mb=usage.free // 2**20,
        warn=config.doctor.disk_warn_percent,
        fail=config.doctor.disk_fail_percent,
    )


# --- speech and sound ------------------------------------------------------------------


def speech_check() -> Finding:
    """espeak-ng says a Bulgarian sentence into a WAV file, which must hold sound."""
    name = CheckName.SPEECH
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return _f(name, Status.WARNING, "speech_missing")
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as tmp:
        out = Path(tmp) / "bg.wav"
        try:
            result = subprocess.run(
                [espeak, "-v", "bg", "-w", str(out), SPEECH_SAMPLE],
                capture_output=True,
                text=True,
                timeout=SPEECH_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _f(name, Status.FAILURE, "speech_failed", error="no end in sight")
        error = (result.stderr or "").strip() or f"exit code {result.returncode}"
        if result.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            return _f(name, Status.FAILURE, "speech_failed", error=error)
        with wave.open(str(out), "rb") as spoken:
            seconds = spoken.getnframes() / spoken.getframerate()
    if seconds < 1:
        return _f(name, Status.FAILURE, "speech_failed", error=f"only {seconds:.1f} s of sound")
    return _f(name, Status.OK, "speech_ok", seconds=round(seconds, 1))


def sound_check(cards_file: Path = ASOUND_CARDS) -> Finding:
    """An ALSA sound card, as /proc/asound/cards lists them: " 0 [PCH ]: HDA-Intel - HDA Intel PCH"."""
    try:
        lines = cards_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    cards = [
        line.split(" - ", 1)[-1].strip()
        for line in lines
        if line[:3].strip().isdigit() and "]:" in line
    ]
    if not cards:
        return _f(CheckName.SOUND, Status.WARNING, "sound_missing", source=str(cards_file))
    return _f(CheckName.SOUND, Status.OK, "sound_ok", cards="; ".join(cards))


# --- this PC's clock -------------------------------------------------------------------


def _run(*command: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def time_service_check() -> Finding:
    """NTP: systemd's view where systemd runs, else chrony's or ntpd's, else none found."""
    name = CheckName.TIME_SERVICE
    if Path("/run/systemd/system").is_dir() and shutil.which("timedatectl"):
        result = _run("timedatectl", "show", "-p", "NTPSynchronized", "--value")
        if result is not None and result.returncode == 0:
            synced = result.stdout.strip() == "yes"
            status, code = (
                (Status.OK, "ntp_ok") if synced else (Status.WARNING, "ntp_unsynchronised")
            )
            return _f(name, status, code, service="systemd-timedated")
    if shutil.which("chronyc"):
        result = _run("chronyc", "-n", "tracking")
        if result is not None and result.returncode == 0:
            synced = "Leap status     : Normal" in result.stdout
            status, code = (
                (Status.OK, "ntp_ok") if synced else (Status.WARNING, "ntp_unsynchronised")
            )
            return _f(name, status, code, service="chrony")
    if shutil.which("ntpstat"):
        result = _run("ntpstat")
        if result is not None and result.returncode in (0, 1):
            synced = result.returncode == 0
            status, code = (
                (Status.OK, "ntp_ok") if synced else (Status.WARNING, "ntp_unsynchronised")
            )
            return _f(name, status, code, service="ntpd")
    return _f(name, Status.WARNING, "ntp_absent")


def clock_check(db: Database, config: Config, *, now: dt.datetime) -> list[Finding]:
    """The last sync's measurement of this PC's clock against the centre's; the latest period
    it was off beyond `doctor.clock_alert_s`, with the records stamped in it."""
    name, tz, limit = CheckName.CLOCK, config.tz, config.doctor.clock_alert_s
    last = last_measurement(db)
    if last is None:
        return [_f(name, Status.OK, "clock_not_compared")]
    period = latest_off_period(db, threshold_s=limit, now=now)
    when = When.local(last.at, tz)
    if period is None:
        return [_f(name, Status.OK, "clock_ok", when=when, skew=Seconds(last.skew_s))]
    if period.ended is None:
        code = "clock_ahead" if last.skew_s > 0 else "clock_behind"
        head = _f(
            name, Status.FAILURE, code, when=when, skew=Seconds(last.skew_s), limit=Seconds(limit)
        )
    else:
        head = _f(
            name,
            Status.WARNING,
            "clock_was_off",
            skew=Seconds(period.worst_s),
            start=When.local((period.before or period.first_off).at, tz),
            end=When.local(period.ended.at, tz),
        )
    tables = (period.tickets, period.ratings, period.messages)
    stamps = [t for table in tables for t in (table.first, table.last) if t is not None]
    if not stamps:
        return [head]
    records = _f(
        name,
        head.status,
        "clock_records",
        start=When.local(min(stamps), tz),
        end=When.local(max(stamps), tz),
        tickets=period.tickets.count,
        ratings=period.ratings.count,
        messages=period.messages.count,
    )
    return [head, records]


# --- the last sync and backup, the staff web -------------------------------------------


def sync_check(db: Database, config: Config, *, now: dt.datetime) -> Finding:
    name, tz = CheckName.SYNC, config.tz
    with db.read() as s:
        last = s.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).first()
        good = s.scalars(
            select(SyncRun.started_at).where(SyncRun.ok.is_(True)).order_by(SyncRun.id.desc())
        ).first()
        if last is not None:
            last_at, last_ok, error = last.started_at, last.ok, last.error
    if last is None:
        if config.secret("sync.central_url") is None:
            return _f(name, Status.OK, "sync_none")
        return _f(name, Status.WARNING, "sync_never")
    if not last_ok:
        return _f(
            name, Status.FAILURE, "sync_failed", when=When.local(last_at, tz), error=error or "?"
        )
    limit = dt.timedelta(hours=config.doctor.sync_max_age_hours)
    # a run stamped ahead of now was made by a clock that was ahead: its age is nought
    age = max(now - (good or last_at), dt.timedelta(0))
    status, code = (Status.OK, "sync_ok") if age <= limit else (Status.WARNING, "sync_old")
    return _f(
        name,
        status,
        code,
        when=When.local(last_at, tz),
        age=Seconds(age.total_seconds()),
        limit=Seconds(limit.total_seconds()),
    )


def backup_check(db: Database, config: Config, *, now: dt.datetime) -> Finding:
    name = CheckName.BACKUP
    if db.dialect != "sqlite":
        return _f(name, Status.OK, "backup_postgresql")
    newest = last_backup(config)
    if newest is None:
        return _f(name, Status.WARNING, "backup_none", dir=str(config.backup_dir))
    at = newest.taken_at
    limit = dt.timedelta(hours=config.doctor.backup_max_age_hours)
    age = max(now - at, dt.timedelta(0))
    status, code = (Status.OK, "backup_ok") if age <= limit else (Status.WARNING, "backup_old")
    return _f(
        name,
        status,
        code,
        name=newest.path.name,
        when=When.local(at, config.tz),
        age=Seconds(age.total_seconds()),
        limit=Seconds(limit.total_seconds()),
    )


def web_check(config: Config, *, timeout_s: float) -> Finding:
    """Something accepts connections on the staff web's port."""
    host = "127.0.0.1" if config.web.host in ("0.0.0.0", "") else config.web.host
    host = "::1" if host == "::" else host
    port = config.web.port
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        error = OsReason(os.strerror(exc.errno)) if exc.errno else str(exc)
        return _f(CheckName.WEB, Status.FAILURE, "web_down", host=host, port=port, error=error)
    return _f(CheckName.WEB, Status.OK, "web_ok", host=host, port=port)
