"""The site's configuration: one TOML file, read into typed models, one per table.

Each field has its default, its description and the form it expects; pydantic validates
the file, refuses unknown keys, and a refusal names the dotted key (`printer.baudrate`,
`queue.categories[2].code`). The README's config reference is generated from the models
and a test keeps the two in step (as Datasette does with its settings).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from inspect import isclass
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from kiosk.errors import KioskError
from kiosk.text import Text
from kiosk.vocabulary import CounterGroup

# The kiosk uses no pydantic plugins, and looking for them reads the entry points of every
# installed package when the first model below is made: some 7 ms of each start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

CONFIG_ENV = "KIOSK_CONFIG"
BUILT_IN = "(built-in defaults)"


class ConfigError(KioskError):
    """A configuration value is wrong; the message names the key and the expected form."""

    code = "config"
    status = 422

    def __init__(self, key: str, expected: str, got: object = None, *, source: str = "") -> None:
        self.key = key
        self.expected = expected
        where = f"{source}: " if source else ""
        got_text = "" if got is None else f", got {got!r}"
        super().__init__(f"{where}{key}: expected {expected}{got_text}", key=key)


@dataclass(frozen=True)
class Expected:
    """The form a field expects, in the words of a refusal, where its type does not say it."""

    text: str


# --- forms pydantic has no type for ------------------------------------------------------


def _clock_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
        return dt.time.fromisoformat(value)
    raise ValueError("not a time of day")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError("not a date")


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("no such time zone") from None
    return value


def _database_url(value: Any) -> str:
    """SQLite or PostgreSQL; a plain postgresql:// URL gets the installed driver, psycopg 3."""
    if isinstance(value, str):
        if value == "" or value.startswith(("sqlite:///", "postgresql+psycopg://")):
            return value
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value.removeprefix(plain)
    raise ValueError("not a database URL")


def _usb_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
        return value
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,4}", value):
        return int(value, 16)
    raise ValueError("not a USB id")


def _refuse(loc: tuple[str | int, ...], expected: str, got: object) -> PydanticCustomError:
    """A refusal of a check across fields, at `loc` below the model that makes it."""
    return PydanticCustomError(
        "config", "{expected}", {"loc": loc, "expected": expected, "got": got}
    )


T = TypeVar("T")
#: a TOML array: a list, kept as a tuple (frozen like the rest)
Array = Annotated[tuple[T, ...], Field(strict=False)]

Slug = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$"),
    Expected("2–40 lowercase Latin letters, digits or dashes"),
]
Url = Annotated[
    str,
    Field(pattern=r"^$|^[a-z][a-z0-9+]*://"),
    Expected('a URL such as "https://…", "sqlite:///path" or "postgresql+psycopg://…"'),
]
SecretRef = Annotated[
    str,
    Field(pattern=r"^$|^env:[A-Z_][A-Z0-9_]*$|^file:.+$"),
    Expected('a reference "env:VARIABLE" or "file:/path/to/file" (never the secret itself), or ""'),
]
ClockTime = Annotated[
    dt.time, PlainValidator(_clock_time), Expected('a time of day as "HH:MM", e.g. "08:30"')
]
Dates = Annotated[
    Array[Annotated[dt.date, PlainValidator(_date)]],
    Expected('a list of dates, e.g. [2026-12-31] or ["2026-12-31"]'),
]
UsbId = Annotated[
    int, PlainValidator(_usb_id), Expected('a USB id as a number or a hex string such as "0x0416"')
]
Language = Literal["bg", "en"]
Name = Annotated[str, Field(pattern=r"\S"), Expected("a non-empty string")]


class _Table(BaseModel):
    # strict: TOML has types, and a number in quotes or a 1 for true is a mistake to name;
    # its arrays are lists, which `Array` takes
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- the tables ------------------------------------------------------------------------


class SiteConfig(_Table):
    id: Slug = Field(
        "tvarditsa-ociu",
        description="Site id, unique within the municipality; every record carries it.",
    )
    name_bg: str = Field(
        "Община Твърдица",
        description="Municipality's name as shown and printed (Bulgarian).",
    )
    name_en: str = Field("Tvarditsa Municipality", description="Municipality's name in English.")
    unit_bg: str = Field(
        "Център за услуги и информация на гражданите",
        description="Name of the service centre (Bulgarian).",
    )
    unit_en: str = Field(
        "One-stop service centre", description="Name of the service centre (English)."
    )
    address_bg: str = Field(
        "пл. „Свобода“ № 1, 8890 Твърдица",
        description="Address shown on the attract screen and tickets.",
    )
    address_en: str = Field("1 Svoboda Sq., 8890 Tvarditsa", description="Address in English.")
    feedback_url: Url = Field(
        "https://www.tvarditsa.org/",
        description="Link in the ticket's QR code (online feedback form or the site's services page).",
    )
    timezone: Annotated[
        str,
        AfterValidator(_zone),
        Expected('an IANA time zone name such as "Europe/Sofia"'),
    ] = Field(
        "Europe/Sofia",
        description="Local time zone; times are stored in UTC and shown in this zone.",
    )
    short_name: str = Field(
        "ОЦУИГ",
        description="The centre's short name, as the municipality writes it; the default registration prefix.",
    )
    register_prefix: str = Field(
        "",
        validate_default=True,
        description="Prefix of complaint registration numbers, e.g. ОЦУИГ-2026-00017; empty: site.short_name.",
    )

    @field_validator("register_prefix")
    @classmethod
    def _short_name_by_default(cls, value: str, info: ValidationInfo) -> str:
        return value or info.data.get("short_name", "")

    @property
    def name(self) -> Text:
        return Text(self.name_bg, self.name_en)

    @property
    def unit(self) -> Text:
        return Text(self.unit_bg, self.unit_en)

    @property
    def address(self) -> Text:
        return Text(self.address_bg, self.address_en)


class PathsConfig(_Table):
    data_dir: str = Field(
        "var",
        description="Folder for the SQLite file, printer output and sounds; relative to the config file.",
    )


class DatabaseConfig(_Table):
    url: Annotated[
        str,
        PlainValidator(_database_url),
        Expected('"sqlite:///path/to/file.sqlite" or "postgresql://user@host/database"'),
    ] = Field(
        "",
        description="Site database; empty means the SQLite file <data_dir>/kiosk.sqlite. Or a PostgreSQL URL, postgresql://user@host/database; psycopg 3 is the driver.",
    )
    busy_timeout_ms: int = Field(
        10000,
        ge=100,
        le=120000,
        description="SQLite: how long a writer waits for the lock.",
    )


class HoursConfig(_Table):
    open: ClockTime = Field(dt.time(8, 30), description="Opening time (charter: 08:30).")
    close: ClockTime = Field(dt.time(17, 0), description="Closing time (charter: 17:00).")
    # an empty list would leave no day to open on: the next opening could never be found
    days: Annotated[
        Array[Annotated[int, Field(ge=1, le=7)]],
        Field(min_length=1),
        AfterValidator(lambda days: tuple(sorted(set(days)))),
        Expected("a non-empty list of ISO weekdays 1 (Monday) … 7 (Sunday)"),
    ] = Field((1, 2, 3, 4, 5), description="Working weekdays, ISO numbers (1 = Monday).")
    stop_issuing_minutes: int = Field(
        15,
        ge=0,
        le=240,
        description="Tickets stop this many minutes before closing.",
    )
    holidays: Dates = Field(
        (),
        description="Extra closed days besides Bulgaria's public holidays (which are built in).",
    )
    working_days: Dates = Field(
        (),
        description="Days that are worked although a weekend or holiday (government-moved days).",
    )

    @model_validator(mode="after")
    def _closes_after_opening(self) -> HoursConfig:
        if self.close <= self.open:
            raise _refuse(("close",), "a time after hours.open", self.close.strftime("%H:%M"))
        return self


class PrinterConfig(_Table):
    connection: Literal["virtual", "serial", "usb", "network", "file"] = Field(
        "virtual",
        description="How the ticket printer is attached; virtual renders PNGs and needs no hardware.",
    )
    url: str = Field(
        "/dev/ttyUSB0",
        description="serial: device or pyserial URL (loop://, socket://host:port).",
    )
    baudrate: int = Field(9600, ge=1200, le=921600, description="serial: speed in baud.")
    flow_control: Literal["none", "rtscts", "dsrdtr", "xonxoff"] = Field(
        "none", description="serial: flow control."
    )
    usb_vendor: UsbId = Field("0x0416", validate_default=True, description="usb: vendor id.")
    usb_product: UsbId = Field("0x5011", validate_default=True, description="usb: product id.")
    host: str = Field("192.168.1.50", description="network: printer address.")
    port: int = Field(9100, ge=1, le=65535, description="network: TCP port.")
    device: str = Field("/dev/usb/lp0", description="file: device node written directly.")
    profile: str = Field(
        "default",
        description="python-escpos capabilities profile name (paper width, code pages).",
    )
    code_page: str = Field(
        "",
        description="Code page of the text as `kiosk printer setup` chose it (CP866, CP1251 …); empty: the best one the profile lists.",
    )
    code_page_table: int = Field(
        -1,
        ge=-1,
        le=255,
        description="ESC t number of printer.code_page on this printer, where it differs from the profile's; -1: the profile's.",
    )
    status_query: bool = Field(
        True,
        description="Ask the printer's status (paper, cover) before each job; off for printers that do not answer DLE EOT.",
    )
    timeout_s: float = Field(
        8.0,
        ge=0.5,
        le=120,
        description="Longest a print job may take before it counts as failed.",
    )


class LanguagesConfig(_Table):
    default: Language = Field(
        "bg", description="Language the kiosk starts in and returns to when idle."
    )
    available: Annotated[
        Array[Language], Field(min_length=1), Expected('a non-empty list from ["bg", "en"]')
    ] = Field(("bg", "en"), description="Languages offered on screen.")

    @model_validator(mode="after")
    def _default_is_offered(self) -> LanguagesConfig:
        if self.default not in self.available:
            raise _refuse(("default",), "one of languages.available", self.default)
        return self


class FeedbackConfig(_Table):
    terminal_id: Slug = Field(
        "kiosk-1", description="This terminal's id, used to collapse repeated smiley presses."
    )
    repeat_window_s: int = Field(
        20,
        ge=0,
        le=3600,
        description="Presses on one terminal within this many seconds count once.",
    )
    max_text: int = Field(
        2000, ge=100, le=20000, description="Longest written message, in characters."
    )


class UiConfig(_Table):
    orientation: Literal["portrait", "landscape"] = Field(
        "portrait", description="Screen orientation of the lobby touchscreen."
    )
    fullscreen: bool = Field(
        True,
        description="Full screen, no window decorations (turn off only for development).",
    )
    idle_timeout_s: int = Field(
        60,
        ge=10,
        le=3600,
        description="Seconds without a touch before the kiosk asks whether the visitor needs more time.",
    )
    idle_warning_s: int = Field(
        20,
        ge=20,
        le=300,
        description='Seconds the "Do you need more time?" countdown runs before the kiosk starts again (WCAG 2.2.1: at least 20).',
    )
    diagonal_in: float = Field(
        32.0,
        ge=10,
        le=100,
        description="Diagonal of the lobby touchscreen in inches: text and touch targets are sized from it.",
    )
    viewing_distance_mm: int = Field(
        500,
        ge=250,
        le=1500,
        description="Distance from the eyes of a visitor to the screen; larger text makes a capital 0.7° tall from here (EN 301 549 5.1.4).",
    )
    admin_pin: SecretRef = Field(
        "env:KIOSK_ADMIN_PIN",
        description="Reference to the staff PIN for the kiosk's admin screen.",
    )


class PanelConfig(_Table):
    no_show_after_recalls: int = Field(
        2,
        ge=0,
        le=9,
        description="A called ticket recalled this often, never started, is a no-show when the clerk calls the next; 0: always ask whether the visitor came.",
    )


class WebConfig(_Table):
    host: str = Field(
        "127.0.0.1",
        description="Address the staff web server binds to; 0.0.0.0 opens it to the office LAN.",
    )
    port: int = Field(8080, ge=1, le=65535, description="Port of the staff web server.")
    secret: SecretRef = Field(
        "env:KIOSK_WEB_SECRET", description="Reference to the key that signs session cookies."
    )
    session_hours: int = Field(
        12,
        ge=1,
        le=168,
        description="A staff session ends this many hours after sign-in, however busy.",
    )
    session_idle_minutes: int = Field(
        60,
        ge=5,
        le=1440,
        description="A staff session ends after this many minutes without a request.",
    )
    sign_in_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Sign-in attempts for one username per window; more are refused (429).",
    )
    sign_in_address_attempts: int = Field(
        10,
        ge=1,
        le=1000,
        description="Failed sign-ins from one address per window, whatever the usernames; more are refused.",
    )
    sign_in_window_s: int = Field(
        60,
        ge=10,
        le=86400,
        description="Length in seconds of the window in which sign-in attempts are counted.",
    )


class PublicConfig(_Table):
    base_url: str = Field(
        "",
        pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
        description="Address citizens' phones open for the live ticket (the ticket's QR code: <base_url>/t/<token>); empty: the QR keeps site.feedback_url.",
    )
    host: str = Field(
        "0.0.0.0",
        description="Address the citizens' pages (`kiosk public serve`) bind to: the lobby's Wi-Fi or the reverse proxy reaches it.",
    )
    port: int = Field(8090, ge=1, le=65535, description="Port of the citizens' pages.")
    requests_per_minute: int = Field(
        120,
        ge=10,
        le=10000,
        description="Requests one address may make to the citizens' pages per minute; more are refused (429).",
    )
    streams_per_address: int = Field(
        8,
        ge=1,
        le=1000,
        description="Live ticket pages one address may keep open at once (a family's phones behind one router).",
    )
    feed_heartbeat_s: float = Field(
        2.0,
        ge=0.5,
        le=60,
        description="`kiosk public feed`: seconds between the site's reports to the centre when the queue does not move (a change is sent at once); the centre's pages say so when reports stop.",
    )
    booking_url: str = Field(
        "",
        pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
        description="Where citizens book appointments (the centre's citizens' pages, e.g. https://opashka.tvarditsa.bg/book): the lobby's listener, which cannot book, points there from /book.",
    )
    stale_after_s: float = Field(
        10.0,
        ge=1,
        le=600,
        description="The centre's citizens' pages (`kiosk public serve --central-url`) say a ticket's state may be out of date when the site has not reported for this many seconds.",
    )


class AppointmentsConfig(_Table):
    """How the site treats booked visitors (issue #17); the slots themselves are set by the
    secretary at the centre, per site and ticket category."""

    check_in_early_minutes: int = Field(
        60,
        ge=0,
        le=240,
        description="How long before their slot a booked visitor may check in at the kiosk; the ticket is then called at the slot's time, not earlier.",
    )
    late_minutes: int = Field(
        10,
        ge=0,
        le=120,
        description="How long after the slot's start a booked visitor may still check in; later, the kiosk says so and issues a walk-in ticket.",
    )
    horizon_days: int = Field(
        30,
        ge=1,
        le=180,
        description="How many days ahead citizens may book.",
    )
    min_notice_minutes: int = Field(
        60,
        ge=0,
        le=2880,
        description="Shortest time between booking and the slot: later bookings wait for the next free slot after it (the site must have pulled the booking).",
    )
    active_per_contact: int = Field(
        3,
        ge=1,
        le=50,
        description="Bookings still to come that one phone number or e-mail address may hold; one more is refused until one is kept or cancelled.",
    )
    per_address_day: int = Field(
        10,
        ge=1,
        le=1000,
        description="Bookings one network address may make in a day (a family or an office behind one router counts once).",
    )
    per_day: int = Field(
        500,
        ge=1,
        le=100000,
        description="Bookings the citizens' pages take in one day in all, every site together: a flood is stopped before it fills the slots.",
    )
    hash_key: SecretRef = Field(
        "env:KIOSK_BOOKING_HASH_KEY",
        description="Reference to the key of the hashes by which the limits recognise a contact or an address (HMAC-SHA-256): without it a stolen table could be matched against every phone number.",
    )
    check_in_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong booking codes one kiosk accepts per window before it pauses the check-in.",
    )
    check_in_window_s: int = Field(
        600,
        ge=60,
        le=86400,
        description="Length in seconds of the window in which a kiosk's wrong booking codes are counted; the pause lasts until it ends.",
    )


class MailConfig(_Table):
    """The municipality's SMTP server: booking confirmations and reminders (issue #17)."""

    host: str = Field(
        "",
        description="SMTP server that sends booking confirmations and reminders; empty: no e-mail is sent.",
    )
    port: int = Field(
        587, ge=1, le=65535, description="Its port (587 with STARTTLS, 465 with SSL)."
    )
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="TLS to the SMTP server: STARTTLS on a plain connection, SSL from the first byte, or none (a relay on the same machine only).",
    )
    username: str = Field("", description="Login at the SMTP server; empty: no login.")
    password: SecretRef = Field("", description="Reference to the SMTP login's password.")
    from_address: str = Field(
        "",
        pattern=r"^$|^[^@\s]+@[^@\s]+$",
        description="The sender citizens see, e.g. noreply@tvarditsa.bg; e-mail is sent only with both a host and this.",
    )
    timeout_s: float = Field(
        10.0,
        ge=1,
        le=120,
        description="Seconds to wait for the SMTP server before giving up (the booking stays; the reminder job retries).",
    )
    remind_from: ClockTime = Field(
        dt.time(9, 0),
        description="`kiosk central remind`: local time from which the day-before reminders go out (none at night).",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.from_address)


class SyncConfig(_Table):
    central_url: SecretRef = Field(
        "env:KIOSK_CENTRAL_URL",
        description="Reference to the central PostgreSQL URL with this site's login.",
    )
    batch_size: int = Field(2000, ge=1, le=100000, description="Records per push batch.")
    connections: int = Field(
        2,
        ge=1,
        le=8,
        description="Connections that push batches side by side (the central server inserts in parallel).",
    )
    time_budget_s: int = Field(
        1800,
        ge=10,
        le=86400,
        description="A nightly run gives up retrying after this many seconds.",
    )
    clock_tolerance_s: int = Field(
        600,
        ge=5,
        le=86400,
        description="How far ahead of the centre's clock the site's clock, or a record's time, may be "
        "before the push refuses to send (the records stay on the site).",
    )
    sslmode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = Field(
        "verify-full", description="TLS to the central database; production uses verify-full."
    )
    sslrootcert: str = Field(
        "",
        description="CA certificate that signed the central server's certificate (a file path).",
    )


class RegisterConfig(_Table):
    retention_days: int = Field(
        365,
        ge=30,
        le=3650,
        description="Days after a complaint is closed before the complainant's personal data are erased.",
    )
    due_soon_days: int = Field(
        5,
        ge=1,
        le=30,
        description="A message due within this many days shows as an alert to admin and quality staff.",
    )
    attachment_max_mb: int = Field(
        10,
        ge=1,
        le=50,
        description="Largest scanned letter (PDF, JPEG or PNG) staff may attach to a message they register, in MB.",
    )

    @property
    def attachment_max_bytes(self) -> int:
        return self.attachment_max_mb * 1024 * 1024

    status_check_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong registration number and check code pairs one kiosk accepts per window before it pauses the status check.",
    )
    status_check_window_s: int = Field(
        600,
        ge=60,
        le=86400,
        description="Length in seconds of the window in which a kiosk's wrong status checks are counted; the pause lasts until it ends.",
    )


class ReportsConfig(_Table):
    alert_window_minutes: int = Field(
        60,
        ge=5,
        le=1440,
        description="Window of recent ratings in which the share of 1–2 faces is watched.",
    )
    alert_threshold: float = Field(
        0.3,
        ge=0.05,
        le=1.0,
        description="Share of 1–2 faces in the window above which an alert shows.",
    )
    alert_min_ratings: int = Field(
        5,
        ge=1,
        le=1000,
        description="Fewest ratings in the window before an alert can show (a single bad face is no trend).",
    )


class DoctorConfig(_Table):
    check_timeout_s: float = Field(
        10.0,
        ge=1,
        le=120,
        description="`kiosk doctor` and the admin page: longest a check may take (a dead server, a stuck device) before it counts as failed.",
    )
    disk_warn_percent: int = Field(
        85, ge=50, le=99, description="The data folder's disk this full (in %) is a warning."
    )
    disk_fail_percent: int = Field(
        95, ge=50, le=100, description="The data folder's disk this full (in %) is a failure."
    )
    clock_alert_s: int = Field(
        120,
        ge=5,
        le=86400,
        description="This PC's clock off the central server's by more than this many seconds, at a sync, is an alert.",
    )
    cert_warn_days: int = Field(
        30,
        ge=1,
        le=365,
        description="The central server's TLS certificate expiring within this many days is a warning.",
    )
    sync_max_age_hours: int = Field(
        36, ge=1, le=8760, description="A last successful sync older than this is a warning."
    )
    backup_max_age_hours: int = Field(
        36, ge=1, le=8760, description="A newest backup older than this is a warning."
    )

    @model_validator(mode="after")
    def _fail_above_warn(self) -> DoctorConfig:
        if self.disk_fail_percent <= self.disk_warn_percent:
            raise _refuse(
                ("disk_fail_percent",),
                "a share above doctor.disk_warn_percent",
                self.disk_fail_percent,
            )
        return self


class HealthConfig(_Table):
    heartbeat_s: int = Field(
        30,
        ge=5,
        le=600,
        description="How often the touchscreen app notes for staff that it is alive, with the printer's state.",
    )
    silent_after_s: int = Field(
        120,
        ge=30,
        le=3600,
        description="Time without a heartbeat after which staff read that the kiosk does not respond.",
    )


class BackupConfig(_Table):
    dir: str = Field(
        "",
        description="Folder of the rotated copies of the SQLite site database (`kiosk backup`); empty means <data_dir>/backups; relative to the config file.",
    )
    keep_daily: int = Field(
        7,
        ge=1,
        le=366,
        description="Days whose newest copy is kept (the newest days that have one).",
    )
    keep_weekly: int = Field(
        5, ge=0, le=260, description="Weeks (ISO, local time) whose newest copy is kept besides."
    )
    second_dir: str = Field(
        "",
        description="A second disk or USB stick mounted here also gets each copy and its rotation; empty: none. Not mounted is a warning, not a failure.",
    )


# --- ticket categories and counters: arrays of tables ----------------------------------


class Category(_Table):
    """A queue ticket category: a letter prefix and the counter groups it serves."""

    code: Annotated[
        str,
        Field(pattern=r"^[A-ZА-Я]$"),
        Expected("one capital letter (Cyrillic or Latin)"),
    ] = Field(description="The letter before a ticket's number.")
    name_bg: Name = Field(description="Name on the touchscreen and the ticket (Bulgarian).")
    name_en: Name = Field(description="Name in English.")
    priority: bool = Field(False, description="Called before every other category at its counters.")
    counter_groups: Annotated[
        Array[Annotated[CounterGroup, Field(strict=False)]],  # a name, made the member
        Expected(
            "a list of counter group names from " + ", ".join(repr(g.value) for g in CounterGroup)
        ),
    ] = Field((), description="The catalogue's counter groups whose services take this ticket.")

    @property
    def name(self) -> Text:
        return Text(self.name_bg, self.name_en)


class CounterSpec(_Table):
    """A counter (гише) and the categories it calls; its names default to its number."""

    number: int = Field(ge=1, le=99, description="The number over the counter.")
    name_bg: str = Field("", description="Its name (Bulgarian); «Гише <number>».")
    name_en: str = Field("", description="Its name in English; «Counter <number>».")
    categories: Annotated[Array[str], Expected("a non-empty list of category codes")] = Field(
        description="Codes of the ticket categories this counter calls."
    )

    @model_validator(mode="before")
    @classmethod
    def _names_from_number(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(number := data.get("number"), int):
            data = {"name_bg": f"Гише {number}", "name_en": f"Counter {number}", **data}
        return data

    @property
    def name(self) -> Text:
        return Text(self.name_bg, self.name_en)


def _category(code: str, bg: str, en: str, *groups: str, priority: bool = False) -> Category:
    return Category(
        code=code, name_bg=bg, name_en=en, priority=priority, counter_groups=tuple(groups)
    )


DEFAULT_CATEGORIES = (
    _category("А", "Гражданско състояние (ГРАО)", "Civil status", "grao"),
    _category("Б", "Местни данъци и такси", "Local taxes and fees", "taxes"),
    _category(
        "В",
        "Устройство на територията и собственост",
        "Construction and property",
        "construction",
        "property",
    ),
    _category(
        "Г",
        "Други услуги и информация",
        "Other services and information",
        "social",
        "agriculture",
        "trade",
        "general",
    ),
    _category("П", "Приоритетно обслужване", "Priority service", priority=True),
)

DEFAULT_COUNTERS = tuple(
    CounterSpec(number=n, categories=codes)
    for n, codes in ((1, ("А", "П")), (2, ("А", "Г", "П")), (3, ("Б", "Г")), (4, ("В", "Г")))
)


class QueueConfig(_Table):
    categories: Annotated[Array[Category], Field(min_length=1)] = DEFAULT_CATEGORIES


# `register` is a table of the file; the name BaseModel has (ABCMeta.register) is the class's,
# never an instance's, so `config.register` is the table
warnings.filterwarnings("ignore", r'Field name "register" in "Config" shadows', UserWarning)


class Config(_Table):
    """The whole file; `base_dir` (the file's folder) and `source` say where it came from."""

    site: SiteConfig = SiteConfig()
    paths: PathsConfig = PathsConfig()
    database: DatabaseConfig = DatabaseConfig()
    hours: HoursConfig = HoursConfig()
    printer: PrinterConfig = PrinterConfig()
    languages: LanguagesConfig = LanguagesConfig()
    feedback: FeedbackConfig = FeedbackConfig()
    ui: UiConfig = UiConfig()
    panel: PanelConfig = PanelConfig()
    web: WebConfig = WebConfig()
    public: PublicConfig = PublicConfig()
    appointments: AppointmentsConfig = AppointmentsConfig()
    mail: MailConfig = MailConfig()
    sync: SyncConfig = SyncConfig()
    register: RegisterConfig = RegisterConfig()
    reports: ReportsConfig = ReportsConfig()
    doctor: DoctorConfig = DoctorConfig()
    health: HealthConfig = HealthConfig()
    backup: BackupConfig = BackupConfig()
    queue: QueueConfig = QueueConfig()
    counters: Annotated[Array[CounterSpec], Field(min_length=1)]

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str = PrivateAttr(BUILT_IN)

    @model_validator(mode="before")
    @classmethod
    def _default_counters(cls, data: Any) -> Any:
        # the built-in counters call the built-in categories: own categories need own counters
        queue = data.get("queue", {}) if isinstance(data, dict) else None
        if isinstance(queue, dict) and "categories" not in queue and "counters" not in data:
            data = {**data, "counters": DEFAULT_COUNTERS}
        return data

    @model_validator(mode="after")
    def _codes_agree(self) -> Config:
        codes = [c.code for c in self.categories]
        if len(set(codes)) != len(codes):
            raise _refuse(("queue", "categories"), "each code used once", codes)
        for i, counter in enumerate(self.counters):
            if not counter.categories or not set(counter.categories) <= set(codes):
                raise _refuse(
                    ("counters", i, "categories"),
                    f"a non-empty list of category codes from {sorted(codes)}",
                    list(counter.categories),
                )
        numbers = [c.number for c in self.counters]
        if len(set(numbers)) != len(numbers):
            raise _refuse(("counters",), "each counter number used once", numbers)
        return self

    @property
    def categories(self) -> tuple[Category, ...]:
        return self.queue.categories

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @property
    def source(self) -> str:
        return self._source

    @property
    def site_id(self) -> str:
        return self.site.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    @property
    def data_dir(self) -> Path:
        return (self.base_dir / self.paths.data_dir).resolve()

    @property
    def backup_dir(self) -> Path:
        return (self.base_dir / (self.backup.dir or self.data_dir / "backups")).resolve()

    @property
    def backup_second_dir(self) -> Path | None:
        return (
            (self.base_dir / self.backup.second_dir).resolve() if self.backup.second_dir else None
        )

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'kiosk.sqlite'}"

    def secret(self, key: str) -> str | None:
        """Resolve the secret reference at a dotted key; None when it is empty or unset."""
        table, _, name = key.partition(".")
        return resolve_secret(getattr(getattr(self, table), name), self.base_dir)


def resolve_secret(ref: str, base_dir: Path) -> str | None:
    """The secret a reference "env:VARIABLE" or "file:/path" names (a relative path from
    `base_dir`); None when it is empty, unset or unreadable."""
    if not ref:
        return None
    kind, _, name = ref.partition(":")
    if kind == "env":
        return os.environ.get(name) or None
    path = Path(name)
    if not path.is_absolute():
        path = base_dir / path
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


# --- a refusal in words: the dotted key and the expected form ---------------------------


def _expected(field: FieldInfo, key: str) -> str:
    """The form a field takes, said as today's messages say it."""
    for meta in field.metadata:
        if isinstance(meta, Expected):
            return meta.text
    kind = field.annotation
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(repr(option) for option in get_args(kind))
    if kind is bool:
        return "true or false"
    if kind in (int, float):
        lo = next(m.ge for m in field.metadata if hasattr(m, "ge"))
        hi = next(m.le for m in field.metadata if hasattr(m, "le"))
        return f"{'a whole number' if kind is int else 'a number'} from {lo} to {hi}"
    if isclass(kind) and issubclass(kind, BaseModel):
        return f"a table [{key}]; there is no such key as {key} = …"
    if get_origin(kind) is tuple:
        return f"a non-empty array of tables [[{key}]]"
    return "a string in quotes"


def _item_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model of a table field, or of the items of an array of tables."""
    kind = field.annotation
    if get_origin(kind) is tuple:
        kind = get_args(kind)[0]
    return kind if isclass(kind) and issubclass(kind, BaseModel) else None


def _config_error(exc: ValidationError, data: dict[str, Any], source: str) -> ConfigError:
    """The first refusal, named by the key of the field (not of a list item inside it)."""
    error = exc.errors()[0]
    ctx = error.get("ctx") or {}
    loc = (*error["loc"], *ctx.get("loc", ()))
    model: type[BaseModel] | None = Config
    field: FieldInfo | None = None
    key, got = "", data
    for part in loc:
        if isinstance(part, int):
            if field is None or model is None or not isinstance(got, list):
                break
            key, got, field = f"{key}[{part}]", got[part], None
            continue
        if model is None:
            break
        key = f"{key}.{part}" if key else str(part)
        got = got.get(part) if isinstance(got, dict) else None
        if part not in model.model_fields:
            known = ", ".join(model.model_fields)
            return ConfigError(key, f"a known key ({known}); no such key", source=source)
        field = model.model_fields[part]
        model = _item_model(field)
    if error["type"] == "config":
        return ConfigError(key, ctx["expected"], ctx["got"], source=source)
    if field is None:
        assert model is not None
        expected = "a table with " + ", ".join(model.model_fields)
    else:
        expected = _expected(field, key)
    return ConfigError(key, expected, None if error["type"] == "missing" else got, source=source)


def parse_config(data: dict[str, Any], *, base_dir: Path, source: str) -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first bad key."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, data, source) from None
    config._base_dir, config._source = base_dir, source
    return config


def default_config_path() -> Path | None:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    local = Path("kiosk.toml")
    return local if local.exists() else None


def load_config(path: Path | str | None = None) -> Config:
    """Load the config file (or the built-in defaults when there is none)."""
    path = Path(path) if path is not None else default_config_path()
    if path is None:
        return parse_config({}, base_dir=Path.cwd(), source=BUILT_IN)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("(file)", f"a readable TOML file ({exc.strerror})", str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("(file)", "UTF-8 text", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", f"valid TOML ({exc})", source=source) from None
    return parse_config(data, base_dir=path.resolve().parent, source=source)


# --- the reference ---------------------------------------------------------------------


class Setting(NamedTuple):
    key: str
    default: Any
    expected: str
    description: str


def settings() -> Iterator[Setting]:
    """Every key of the tables, in the file's order."""
    for table, table_field in Config.model_fields.items():
        model = table_field.annotation
        if table == "queue" or not (isclass(model) and issubclass(model, _Table)):
            continue  # the arrays of tables ([[queue.categories]], [[counters]]) are no settings
        for name, field in model.model_fields.items():
            key = f"{table}.{name}"
            yield Setting(key, field.default, _expected(field, key), field.description or "")


def _toml(value: Any) -> str:
    if isinstance(value, dt.time):
        value = value.strftime("%H:%M")
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def reference() -> str:
    """The README's config reference, as a Markdown table made from the models."""
    rows = ["| key | default | expected | meaning |", "|---|---|---|---|"]
    for s in settings():
        expected = s.expected.replace("|", "\\|")
        rows.append(f"| `{s.key}` | `{_toml(s.default)}` | {expected} | {s.description} |")
    return "\n".join(rows)
