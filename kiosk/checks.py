"""What `kiosk doctor` and the staff pages report: each check's result, what it found, the fix.

A check is a function returning its findings; `run_checks` runs the checks side by side,
each within one deadline, so a dead server or a stuck device cannot hang the report. The
words are one table keyed by the finding's code (English source strings, Bulgarian in
kiosk/locale/bg.po): the CLI prints them in English, the staff pages in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.i18n import gettext_for, ngettext_for


def N_(message: str) -> str:
    """Marks a string for translation; it is translated where it is shown."""
    return message


class Status(StrEnum):
    OK = "ok"  #: nothing to do
    WARNING = "warning"  #: works, but someone should look at it soon
    FAILURE = "failure"  #: something visitors or staff rely on does not work


class CheckName(StrEnum):
    CONFIG = "config"
    DATABASE = "database"
    DISK = "disk"
    PRINTER = "printer"
    SPEECH = "speech"
    SOUND = "sound"
    TIME_SERVICE = "time_service"  #: NTP on this PC
    CLOCK = "clock"  #: this PC's clock against the central server's, as the syncs saw it
    CENTRAL = "central"
    SYNC = "last_sync"
    BACKUP = "last_backup"
    WEB = "web_port"


TITLES = {
    CheckName.CONFIG: N_("Configuration"),
    CheckName.DATABASE: N_("Site database"),
    CheckName.DISK: N_("Free disk space"),
    CheckName.PRINTER: N_("Ticket printer"),
    CheckName.SPEECH: N_("Speech (espeak-ng)"),
    CheckName.SOUND: N_("Sound output"),
    CheckName.TIME_SERVICE: N_("Time synchronisation"),
    CheckName.CLOCK: N_("Clock against the central server"),
    CheckName.CENTRAL: N_("Central server"),
    CheckName.SYNC: N_("Last sync"),
    CheckName.BACKUP: N_("Last backup"),
    CheckName.WEB: N_("Staff web"),
}

_RESTORE = N_(
    "Stop the kiosk (sudo systemctl stop kiosk-app kiosk-web), then recover or restore the "
    "file (README: Damaged site database)."
)
_DISK_FIX = N_(
    "Free space in {path}: old backups, the virtual printer's copies in its printer folder, "
    "the journal (sudo journalctl --vacuum-size=200M). A warning above {warn}% used, a "
    "failure above {fail}%."
)
_PRINTER_CABLE = N_(
    "Check that the printer is switched on and its cable plugged in, that {where} exists "
    "(ls -l {where}) and the kiosk user may open it (the udev rule of the installer); then "
    "run `kiosk printer status`."
)
_CLOCK_FIX = N_(
    "Set the clock right and keep it right: sudo timedatectl set-ntp true (see the time "
    "synchronisation check); if it drifts again after a restart, replace the mainboard's "
    "RTC battery."
)
_SYNC_TIMER = N_(
    "Run `kiosk sync` once by hand to see the reason; check the timer with "
    "systemctl list-timers kiosk-sync.timer and journalctl -u kiosk-sync."
)
_BACKUP_FIX = N_(
    "Run `kiosk backup` and check that the daily timer is enabled "
    "(systemctl list-timers kiosk-backup.timer)."
)
_CERT_FIX = N_(
    "sync.sslrootcert must be the certificate of the authority that signed the central "
    "server's certificate, made out to {host}; renew the server's certificate if it has expired."
)

#: code -> (what was found, the fix); a fix of None: nothing to do
TEXTS: dict[str, tuple[str, str | None]] = {
    "timed_out": (
        N_("The check did not finish within {seconds} s."),
        N_(
            "Whatever it waits for does not answer (a server, a device): see the other "
            "checks; doctor.check_timeout_s sets how long a check may take."
        ),
    ),
    "needs_database": (
        N_("Not checked: the site database cannot be used (see its check)."),
        None,
    ),
    "check_failed": (
        N_("The check itself failed: {error}"),
        N_("Report this to the kiosk's maintainers with the output of `kiosk doctor --json`."),
    ),
    # the configuration
    "config_ok": (N_("{source} loads; its secrets can be read."), None),
    "config_invalid": (
        N_("The configuration cannot be used: {error}"),
        N_(
            "Correct the key named above (`kiosk config check` says the same), then restart "
            "the kiosk: sudo systemctl restart kiosk-app kiosk-web."
        ),
    ),
    "secret_unreadable": (
        N_("{key} refers to {ref}, which gives nothing."),
        N_(
            "Create the file with the secret (owner kiosk, mode 0600) or set the variable "
            "for the services, or change {key} in the config."
        ),
    ),
    "secret_open": (
        N_("{key}: the file {path} can be read by other users (mode {mode})."),
        N_("sudo chown kiosk {path} && sudo chmod 600 {path}"),
    ),
    "admin_pin_unset": (
        N_("No staff PIN (ui.admin_pin gives nothing): the touchscreen's staff screen is locked."),
        N_("Put a PIN of digits in the file or variable ui.admin_pin refers to."),
    ),
    # the site database
    "database_ok": (
        N_("{url} opens, its quick check finds no damage, its schema is at revision {revision}."),
        None,
    ),
    "database_unreachable": (
        N_("Cannot open {url}: {error}"),
        N_(
            "Check database.url in the config: for SQLite, the folder must exist and belong "
            "to the kiosk user; for PostgreSQL, the server must run and the login work."
        ),
    ),
    "database_damaged": (N_("The site database is damaged: {detail}"), _RESTORE),
    "schema_missing": (N_("{url} has no tables yet."), N_("Run `kiosk db upgrade`.")),
    "schema_mismatch": (
        N_("The database is at revision {current}, the program needs {needed}."),
        N_(
            "Run `kiosk db upgrade`; if the database is newer than the program, install the "
            "version that wrote it (the installer keeps the previous one)."
        ),
    ),
    # free disk space
    "disk_ok": (N_("{path}: {used}% used, {free_mb} MB free."), None),
    "disk_low": (N_("{path}: {used}% used, only {free_mb} MB free."), _DISK_FIX),
    "disk_full": (
        N_("{path}: {used}% used, only {free_mb} MB free: tickets may soon fail to be stored."),
        _DISK_FIX,
    ),
    # the ticket printer
    "printer_virtual": (
        N_("Virtual printer: tickets are kept as pictures in {where}, nothing is printed."),
        None,
    ),
    "printer_ok": (N_("The {connection} printer {where} is online and has paper."), None),
    "printer_unasked": (
        N_("The {connection} printer {where} is not asked for its status over this link."),
        None,
    ),
    "printer_paper_near_end": (
        N_("The printer {where} is running out of paper."),
        N_("Put in a new roll soon, then press “Paper replaced” on the staff screen."),
    ),
    "printer_paper_out": (
        N_("The printer {where} is out of paper."),
        N_(
            "Put in a new roll of thermal paper, close the cover, then press “Paper "
            "replaced” on the staff screen."
        ),
    ),
    "printer_cover_open": (
        N_("The printer {where} has its cover open."),
        N_("Close the printer's cover until it clicks."),
    ),
    "printer_offline": (N_("The printer {where} cannot be used: {detail}"), _PRINTER_CABLE),
    "printer_no_answer": (
        N_("The printer {where} does not answer status queries."),
        N_(
            "Check that printer.baudrate is the speed on the printer's self-test page; a "
            "printer that never answers DLE EOT needs printer.status_query = false."
        ),
    ),
    "code_page_ok": (N_("Profile {profile}: Cyrillic in {pages}."), None),
    "code_page_missing": (
        N_(
            "Profile {profile} has no Cyrillic code page (CP1251 or CP866): Bulgarian is "
            "printed in Latin letters."
        ),
        N_(
            "Set printer.profile to your model's profile (`kiosk printer setup` prints a "
            "code-page test sheet)."
        ),
    ),
    # speech and sound
    "speech_ok": (N_("espeak-ng spoke a Bulgarian sample: {seconds} s of sound."), None),
    "speech_missing": (
        N_("espeak-ng is not installed: nothing is read aloud, calls have the chime only."),
        N_("sudo apt install espeak-ng"),
    ),
    "speech_failed": (
        N_("espeak-ng did not speak Bulgarian: {error}"),
        N_(
            "sudo apt install --reinstall espeak-ng espeak-ng-data; then "
            "`espeak-ng -v bg здравейте` must speak."
        ),
    ),
    "sound_ok": (N_("Sound card: {cards}."), None),
    "sound_missing": (
        N_("No sound card ({source} lists none): the kiosk cannot be heard."),
        N_(
            "Plug in the speakers, or turn the on-board sound on in the BIOS; `aplay -l` must "
            "list a card."
        ),
    ),
    # this PC's clock
    "ntp_ok": (N_("The clock is synchronised ({service})."), None),
    "ntp_unsynchronised": (
        N_("{service} runs, but the clock is not synchronised."),
        N_(
            "The PC must reach an NTP server (timedatectl timesync-status, or chronyc "
            "sources); sudo timedatectl set-ntp true."
        ),
    ),
    "ntp_absent": (
        N_("No time service found (systemd-timesyncd, chrony or ntpd)."),
        N_("sudo apt install systemd-timesyncd, then sudo timedatectl set-ntp true."),
    ),
    "clock_not_compared": (
        N_("No sync has compared this PC's clock with the central server's yet."),
        None,
    ),
    "clock_ok": (
        N_("At the last sync ({when}) this PC's clock was {skew} off the central server's."),
        None,
    ),
    "clock_ahead": (
        N_(
            "At the last sync ({when}) this PC's clock was {skew} ahead of the central "
            "server's (an alert from {limit})."
        ),
        _CLOCK_FIX,
    ),
    "clock_behind": (
        N_(
            "At the last sync ({when}) this PC's clock was {skew} behind the central "
            "server's (an alert from {limit})."
        ),
        _CLOCK_FIX,
    ),
    "clock_was_off": (
        N_(
            "This PC's clock was up to {skew} off between the syncs of {start} and {end}; it "
            "is right since."
        ),
        N_("Records stamped in that time may carry times off by about that much."),
    ),
    "clock_records": (
        N_(
            "Stamped from {start} to {end}, while the clock may have been off: tickets "
            "{tickets}, ratings {ratings}, messages {messages}."
        ),
        None,
    ),
    # the central server
    "central_not_configured": (
        N_("No central server (sync.central_url gives nothing): records stay on this PC."),
        N_(
            "Put the URL `kiosk central add-site` gave for this site into the file or "
            "variable sync.central_url refers to."
        ),
    ),
    "central_unreachable": (
        N_("Cannot reach {host}:{port}: {error}"),
        N_(
            "Check the network and the address in sync.central_url (from this PC: "
            "nc -vz {host} {port}); the centre's firewall must let this site in."
        ),
    ),
    "central_no_tls": (
        N_("{host} does not offer TLS, and sync.sslmode = {mode} requires it."),
        N_("Turn TLS on in the central PostgreSQL (ssl = on, with a certificate)."),
    ),
    "central_cert_invalid": (N_("The certificate of {host} is not valid: {error}"), _CERT_FIX),
    "central_cert_expired": (N_("The certificate of {host} expired on {date}."), _CERT_FIX),
    "central_cert_expiring": (
        N_("The certificate of {host} expires on {date}, in {days} days."),
        N_(
            "Renew the central server's certificate before then: after it expires no site can sync."
        ),
    ),
    "central_cert_ok": (N_("The certificate of {host} is valid until {date}."), None),
    "central_unverified": (
        N_("TLS to the central server is not verified (sync.sslmode = {mode})."),
        N_(
            'Set sync.sslmode = "verify-full" and sync.sslrootcert to the certificate of the '
            "authority that signed the server's."
        ),
    ),
    "central_login_refused": (
        N_("{host} refused this site's login: {error}"),
        N_(
            "sync.central_url must hold the login and password `kiosk central add-site "
            "{site}` gave; the central admin can check that the role exists."
        ),
    ),
    "central_ok": (
        N_("{url} answers, this site's login works; its clock differs from this PC's by {skew}."),
        None,
    ),
    # the last sync and backup, the staff web
    "sync_none": (
        N_("No central server: nothing to sync."),
        None,
    ),
    "sync_never": (N_("No sync has run on this PC yet."), _SYNC_TIMER),
    "sync_ok": (N_("The last sync, {when} ({age} ago), succeeded."), None),
    "sync_failed": (N_("The last sync, {when}, failed: {error}"), _SYNC_TIMER),
    "sync_old": (
        N_("The last sync was {when}, {age} ago (a warning after {limit})."),
        _SYNC_TIMER,
    ),
    "backup_postgresql": (
        N_("The site database is on PostgreSQL: back it up with pg_dump on its server."),
        None,
    ),
    "backup_none": (N_("No backup in {dir}."), _BACKUP_FIX),
    "backup_ok": (N_("The newest backup, {name}, is from {when} ({age} ago)."), None),
    "backup_old": (
        N_("The newest backup, {name}, is from {when}, {age} ago (a warning after {limit})."),
        _BACKUP_FIX,
    ),
    "web_ok": (N_("The staff web answers on {host}:{port}."), None),
    "web_down": (
        N_("Nothing answers on {host}:{port}: {error}"),
        N_(
            "Start the staff web: sudo systemctl start kiosk-web (journalctl -u kiosk-web "
            "says why it stopped); web.port must be the port it serves on."
        ),
    ),
}


class Seconds(float):
    """A duration among a finding's parameters: shown as "7 min" in the reader's language."""


class OsReason(str):
    """An operating system's reason among a finding's parameters ("Connection refused", from
    os.strerror, always English): shown in the reader's language where the catalogue has it."""


#: the reasons a check of a port or a host meets, named here for the catalogue; others are
#: shown as the OS words them
OS_REASONS = (
    N_("Connection refused"),
    N_("Connection timed out"),
    N_("No route to host"),
    N_("Network is unreachable"),
    N_("Connection reset by peer"),
    N_("Cannot assign requested address"),
)


class When(dt.datetime):
    """A moment among a finding's parameters: shown in local time, "02.12.2026 10:42"."""

    @classmethod
    def local(cls, moment: dt.datetime, tz: dt.tzinfo) -> When:
        return cls.fromisoformat(moment.astimezone(tz).isoformat())


def duration_text(seconds: float, language: str) -> str:
    """A duration rounded to its largest unit: "45 s", "7 min", "3 h", "365 days"."""
    ngettext = ngettext_for(language)
    seconds = abs(seconds)
    if seconds >= 2 * 86400:
        n = round(seconds / 86400)
        return ngettext("{n} day", "{n} days", n).format(n=n)
    if seconds >= 2 * 3600:
        n = round(seconds / 3600)
        return ngettext("{n} hour", "{n} hours", n).format(n=n)
    if seconds >= 120:
        return gettext_for(language)("{n} min").format(n=round(seconds / 60))
    return gettext_for(language)("{n} s").format(n=round(seconds))


def _shown(value: Any, language: str) -> Any:
    if isinstance(value, Seconds):
        return duration_text(value, language)
    if isinstance(value, When):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, OsReason):
        return gettext_for(language)(value)
    return value


@dataclass(frozen=True)
class Finding:
    check: CheckName
    status: Status
    code: str  #: a key of TEXTS
    params: Mapping[str, Any] = field(default_factory=dict)

    def _text(self, message: str, language: str) -> str:
        params = {k: _shown(v, language) for k, v in self.params.items()}
        return gettext_for(language)(message).format(**params)

    def title(self, language: str = "en") -> str:
        return gettext_for(language)(TITLES[self.check])

    def found(self, language: str = "en") -> str:
        return self._text(TEXTS[self.code][0], language)

    def fix(self, language: str = "en") -> str | None:
        fix = TEXTS[self.code][1]
        return None if fix is None else self._text(fix, language)

    def as_dict(self) -> dict[str, Any]:
        """For `--json`: the words in English, the parameters as values."""
        return {
            "check": self.check.value,
            "status": self.status.value,
            "code": self.code,
            "found": self.found(),
            "fix": self.fix(),
            "params": {
                k: v.isoformat() if isinstance(v, dt.datetime) else v
                for k, v in self.params.items()
            },
        }


Outcome = Finding | Sequence[Finding]


@dataclass(frozen=True)
class Check:
    name: CheckName
    run: Callable[[], Outcome]
    #: slow or touching shared hardware (the network, the printer, the speakers): the
    #: staff pages run it only when asked
    on_request: bool = False
    #: reads the site database's tables: not run when the database check fails
    reads_database: bool = False


def worst(findings: Sequence[Finding]) -> Status:
    order = (Status.OK, Status.WARNING, Status.FAILURE)
    return max((f.status for f in findings), key=order.index, default=Status.OK)


def run_checks(checks: Sequence[Check], *, timeout_s: float) -> list[Finding]:
    """Each check's findings, in the order of `checks`; the checks run side by side, and one
    that has not finished `timeout_s` after the start is a failure (its thread is left to end
    on its own, a daemon: each check also bounds its own waits)."""
    results: dict[int, list[Finding]] = {}

    def work(i: int, check: Check) -> None:
        try:
            outcome = check.run()
            results[i] = [outcome] if isinstance(outcome, Finding) else list(outcome)
        except Exception as exc:  # a check that breaks is itself a finding, never a crash
            error = f"{type(exc).__name__}: {exc}"
            results[i] = [Finding(check.name, Status.FAILURE, "check_failed", {"error": error})]

    threads = [
        threading.Thread(target=work, args=(i, c), daemon=True, name=f"check-{c.name}")
        for i, c in enumerate(checks)
    ]
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.start()
    findings: list[Finding] = []
    for i, (thread, check) in enumerate(zip(threads, checks, strict=True)):
        thread.join(max(0.0, deadline - time.monotonic()))
        late = Finding(check.name, Status.FAILURE, "timed_out", {"seconds": timeout_s})
        findings.extend(results.get(i, [late]))
    return findings
