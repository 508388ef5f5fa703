"""The site's configuration: one TOML file, every key declared once in SETTINGS.

Each setting has a default, a parser that names the expected form, and help text;
the README's config reference is generated from this table and a test keeps the
two in step (as Datasette does with its SETTINGS).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_ENV = "KIOSK_CONFIG"


class ConfigError(Exception):
    """A configuration value is wrong; the message names the key and the expected form."""

    def __init__(self, key: str, expected: str, got: object = None, *, source: str = "") -> None:
        self.key = key
        self.expected = expected
        where = f"{source}: " if source else ""
        got_text = "" if got is None else f", got {got!r}"
        super().__init__(f"{where}{key}: expected {expected}{got_text}")


# --- parsers: each raises ValueError(expected-form) on a bad value ----------------------


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a string in quotes")
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", value):
        raise ValueError("2–40 lowercase Latin letters, digits or dashes")
    return value


def _int_range(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"a whole number from {lo} to {hi}")
        return value

    return parse


def _float_range(lo: float, hi: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ValueError(f"a number from {lo} to {hi}")
        return float(value)

    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError("one of " + ", ".join(repr(o) for o in options))
        return value

    return parse


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError('a time of day as "HH:MM", e.g. "08:30"')


def _dates(value: Any) -> tuple[dt.date, ...]:
    expected = 'a list of dates, e.g. [2026-12-31] or ["2026-12-31"]'
    if not isinstance(value, list):
        raise ValueError(expected)
    out = []
    for item in value:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.append(item)
        elif isinstance(item, str):
            try:
                out.append(dt.date.fromisoformat(item))
            except ValueError:
                raise ValueError(expected) from None
        else:
            raise ValueError(expected)
    return tuple(out)


def _weekdays(value: Any) -> tuple[int, ...]:
    # an empty list would leave no day to open on: the next opening could never be found
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value)
    ):
        raise ValueError("a non-empty list of ISO weekdays 1 (Monday) … 7 (Sunday)")
    return tuple(sorted(set(value)))


def _languages(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(v in ("bg", "en") for v in value):
        raise ValueError('a non-empty list from ["bg", "en"]')
    return tuple(value)


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(_str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError('an IANA time zone name such as "Europe/Sofia"') from None
    return value


def _secret_ref(value: Any) -> str:
    if value == "" or (
        isinstance(value, str) and re.fullmatch(r"(env:[A-Z_][A-Z0-9_]*|file:.+)", value)
    ):
        return value
    raise ValueError(
        'a reference "env:VARIABLE" or "file:/path/to/file" (never the secret itself), or ""'
    )


def _url(value: Any) -> str:
    if isinstance(value, str) and (value == "" or re.match(r"^[a-z][a-z0-9+]*://", value)):
        return value
    raise ValueError('a URL such as "https://…", "sqlite:///path" or "postgresql+psycopg://…"')


def _database_url(value: Any) -> str:
    """SQLite or PostgreSQL; a plain postgresql:// URL gets the installed driver, psycopg 3."""
    if isinstance(value, str):
        if value == "" or value.startswith(("sqlite:///", "postgresql+psycopg://")):
            return value
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value.removeprefix(plain)
    raise ValueError('"sqlite:///path/to/file.sqlite" or "postgresql://user@host/database"')


def _hex_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
        return value
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,4}", value):
        return int(value, 16)
    raise ValueError('a USB id as a number or a hex string such as "0x0416"')


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    parse: Callable[[Any], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "site.id",
        "tvarditsa-ociu",
        _slug,
        "Site id, unique within the municipality; every record carries it.",
    ),
    Setting(
        "site.name_bg",
        "Община Твърдица",
        _str,
        "Municipality's name as shown and printed (Bulgarian).",
    ),
    Setting("site.name_en", "Tvarditsa Municipality", _str, "Municipality's name in English."),
    Setting(
        "site.unit_bg",
        "Център за услуги и информация на гражданите",
        _str,
        "Name of the service centre (Bulgarian).",
    ),
    Setting(
        "site.unit_en", "One-stop service centre", _str, "Name of the service centre (English)."
    ),
    Setting(
        "site.address_bg",
        "пл. „Свобода“ № 1, 8890 Твърдица",
        _str,
        "Address shown on the attract screen and tickets.",
    ),
    Setting("site.address_en", "1 Svoboda Sq., 8890 Tvarditsa", _str, "Address in English."),
    Setting(
        "site.feedback_url",
        "https://www.tvarditsa.bg/",
        _url,
        "Link in the ticket's QR code (online feedback form or the site's services page).",
    ),
    Setting(
        "site.timezone",
        "Europe/Sofia",
        _timezone,
        "Local time zone; times are stored in UTC and shown in this zone.",
    ),
    Setting(
        "site.register_prefix",
        "ОЦИУ",
        _str,
        "Prefix of complaint registration numbers, e.g. ОЦИУ-2026-00017.",
    ),
    Setting(
        "paths.data_dir",
        "var",
        _str,
        "Folder for the SQLite file, printer output and sounds; relative to the config file.",
    ),
    Setting(
        "database.url",
        "",
        _database_url,
        "Site database; empty means the SQLite file <data_dir>/kiosk.sqlite. Or a PostgreSQL URL, postgresql://user@host/database; psycopg 3 is the driver.",
    ),
    Setting(
        "database.busy_timeout_ms",
        10000,
        _int_range(100, 120000),
        "SQLite: how long a writer waits for the lock.",
    ),
    Setting("hours.open", dt.time(8, 30), _time, "Opening time (charter: 08:30)."),
    Setting("hours.close", dt.time(17, 0), _time, "Closing time (charter: 17:00)."),
    Setting(
        "hours.days", (1, 2, 3, 4, 5), _weekdays, "Working weekdays, ISO numbers (1 = Monday)."
    ),
    Setting(
        "hours.stop_issuing_minutes",
        15,
        _int_range(0, 240),
        "Tickets stop this many minutes before closing.",
    ),
    Setting(
        "hours.holidays",
        (),
        _dates,
        "Extra closed days besides Bulgaria's public holidays (which are built in).",
    ),
    Setting(
        "hours.working_days",
        (),
        _dates,
        "Days that are worked although a weekend or holiday (government-moved days).",
    ),
    Setting(
        "printer.connection",
        "virtual",
        _choice("virtual", "serial", "usb", "network", "file"),
        "How the ticket printer is attached; virtual renders PNGs and needs no hardware.",
    ),
    Setting(
        "printer.url",
        "/dev/ttyUSB0",
        _str,
        "serial: device or pyserial URL (loop://, socket://host:port).",
    ),
    Setting("printer.baudrate", 9600, _int_range(1200, 921600), "serial: speed in baud."),
    Setting(
        "printer.flow_control",
        "none",
        _choice("none", "rtscts", "dsrdtr", "xonxoff"),
        "serial: flow control.",
    ),
    Setting("printer.usb_vendor", 0x0416, _hex_id, "usb: vendor id."),
    Setting("printer.usb_product", 0x5011, _hex_id, "usb: product id."),
    Setting("printer.host", "192.168.1.50", _str, "network: printer address."),
    Setting("printer.port", 9100, _int_range(1, 65535), "network: TCP port."),
    Setting("printer.device", "/dev/usb/lp0", _str, "file: device node written directly."),
    Setting(
        "printer.profile",
        "default",
        _str,
        "python-escpos capabilities profile name (paper width, code pages).",
    ),
    Setting(
        "printer.status_query",
        True,
        _bool,
        "Ask the printer's status (paper, cover) before each job; off for printers that do not answer DLE EOT.",
    ),
    Setting(
        "printer.timeout_s",
        8.0,
        _float_range(0.5, 120),
        "Longest a print job may take before it counts as failed.",
    ),
    Setting(
        "languages.default",
        "bg",
        _choice("bg", "en"),
        "Language the kiosk starts in and returns to when idle.",
    ),
    Setting("languages.available", ("bg", "en"), _languages, "Languages offered on screen."),
    Setting(
        "feedback.terminal_id",
        "kiosk-1",
        _slug,
        "This terminal's id, used to collapse repeated smiley presses.",
    ),
    Setting(
        "feedback.repeat_window_s",
        20,
        _int_range(0, 3600),
        "Presses on one terminal within this many seconds count once.",
    ),
    Setting(
        "feedback.max_text", 2000, _int_range(100, 20000), "Longest written message, in characters."
    ),
    Setting(
        "ui.orientation",
        "portrait",
        _choice("portrait", "landscape"),
        "Screen orientation of the lobby touchscreen.",
    ),
    Setting(
        "ui.fullscreen",
        True,
        _bool,
        "Full screen, no window decorations (turn off only for development).",
    ),
    Setting(
        "ui.idle_timeout_s",
        60,
        _int_range(10, 3600),
        "Seconds without a touch before the kiosk asks whether the visitor needs more time.",
    ),
    Setting(
        "ui.idle_warning_s",
        20,
        _int_range(20, 300),
        'Seconds the "Do you need more time?" countdown runs before the kiosk starts again (WCAG 2.2.1: at least 20).',
    ),
    Setting(
        "ui.diagonal_in",
        32.0,
        _float_range(10, 100),
        "Diagonal of the lobby touchscreen in inches: text and touch targets are sized from it.",
    ),
    Setting(
        "ui.viewing_distance_mm",
        500,
        _int_range(250, 1500),
        "Distance from the eyes of a visitor to the screen; larger text makes a capital 0.7° tall from here (EN 301 549 5.1.4).",
    ),
    Setting(
        "ui.admin_pin",
        "env:KIOSK_ADMIN_PIN",
        _secret_ref,
        "Reference to the staff PIN for the kiosk's admin screen.",
    ),
    Setting(
        "web.host",
        "127.0.0.1",
        _str,
        "Address the staff web server binds to; 0.0.0.0 opens it to the office LAN.",
    ),
    Setting("web.port", 8080, _int_range(1, 65535), "Port of the staff web server."),
    Setting(
        "web.secret",
        "env:KIOSK_WEB_SECRET",
        _secret_ref,
        "Reference to the key that signs session cookies.",
    ),
    Setting(
        "sync.central_url",
        "env:KIOSK_CENTRAL_URL",
        _secret_ref,
        "Reference to the central PostgreSQL URL with this site's login.",
    ),
    Setting("sync.batch_size", 2000, _int_range(1, 100000), "Records per push batch."),
    Setting(
        "sync.connections",
        2,
        _int_range(1, 8),
        "Connections that push batches side by side (the central server inserts in parallel).",
    ),
    Setting(
        "sync.time_budget_s",
        1800,
        _int_range(10, 86400),
        "A nightly run gives up retrying after this many seconds.",
    ),
    Setting(
        "sync.sslmode",
        "verify-full",
        _choice("disable", "prefer", "require", "verify-ca", "verify-full"),
        "TLS to the central database; production uses verify-full.",
    ),
    Setting(
        "sync.sslrootcert",
        "",
        _str,
        "CA certificate that signed the central server's certificate (a file path).",
    ),
    Setting(
        "register.retention_days",
        365,
        _int_range(30, 3650),
        "Days after a complaint is closed before the complainant's personal data are erased.",
    ),
    Setting(
        "register.due_soon_days",
        5,
        _int_range(1, 30),
        "A message due within this many days shows as an alert to admin and quality staff.",
    ),
    Setting(
        "reports.alert_window_minutes",
        60,
        _int_range(5, 1440),
        "Window of recent ratings in which the share of 1–2 faces is watched.",
    ),
    Setting(
        "reports.alert_threshold",
        0.3,
        _float_range(0.05, 1.0),
        "Share of 1–2 faces in the window above which an alert shows.",
    ),
    Setting(
        "reports.alert_min_ratings",
        5,
        _int_range(1, 1000),
        "Fewest ratings in the window before an alert can show (a single bad face is no trend).",
    ),
)

SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Category:
    """A queue ticket category: a letter prefix and the counter groups it serves."""

    code: str
    name_bg: str
    name_en: str
    priority: bool = False
    counter_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class CounterSpec:
    number: int
    name_bg: str
    name_en: str
    categories: tuple[str, ...]


DEFAULT_CATEGORIES = (
    Category("А", "Гражданско състояние (ГРАО)", "Civil status", False, ("grao",)),
    Category("Б", "Местни данъци и такси", "Local taxes and fees", False, ("taxes",)),
    Category(
        "В",
        "Устройство на територията и собственост",
        "Construction and property",
        False,
        ("construction", "property"),
    ),
    Category(
        "Г",
        "Други услуги и информация",
        "Other services and information",
        False,
        ("social", "agriculture", "trade", "general"),
    ),
    Category("П", "Приоритетно обслужване", "Priority service", True, ()),
)

DEFAULT_COUNTERS = (
    CounterSpec(1, "Гише 1", "Counter 1", ("А", "П")),
    CounterSpec(2, "Гише 2", "Counter 2", ("А", "Г", "П")),
    CounterSpec(3, "Гише 3", "Counter 3", ("Б", "Г")),
    CounterSpec(4, "Гише 4", "Counter 4", ("В", "Г")),
)


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    categories: tuple[Category, ...]
    counters: tuple[CounterSpec, ...]
    base_dir: Path
    source: str = "(built-in defaults)"

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def site_id(self) -> str:
        return self.values["site.id"]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.values["site.timezone"])

    @property
    def data_dir(self) -> Path:
        return (self.base_dir / self.values["paths.data_dir"]).resolve()

    @property
    def database_url(self) -> str:
        url = self.values["database.url"]
        if url:
            return url
        return f"sqlite:///{self.data_dir / 'kiosk.sqlite'}"

    def secret(self, key: str) -> str | None:
        """Resolve a secret reference; None when the reference is empty or unset."""
        ref = self.values[key]
        if not ref:
            return None
        kind, _, name = ref.partition(":")
        if kind == "env":
            return os.environ.get(name) or None
        path = Path(name)
        if not path.is_absolute():
            path = self.base_dir / path
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = value
    return flat


def _parse_categories(raw: Any, source: str) -> tuple[Category, ...]:
    key = "queue.categories"
    if not isinstance(raw, list) or not raw:
        raise ConfigError(key, "a non-empty array of tables [[queue.categories]]", source=source)
    out = []
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(where, "a table with code, name_bg, name_en", source=source)
        unknown = set(item) - {"code", "name_bg", "name_en", "priority", "counter_groups"}
        if unknown:
            raise ConfigError(
                f"{where}.{sorted(unknown)[0]}",
                "no such key (code, name_bg, name_en, priority, counter_groups)",
                source=source,
            )
        code = item.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"[A-ZА-Я]", code):
            raise ConfigError(
                f"{where}.code", "one capital letter (Cyrillic or Latin)", code, source=source
            )
        for name_key in ("name_bg", "name_en"):
            if not isinstance(item.get(name_key), str) or not item[name_key].strip():
                raise ConfigError(
                    f"{where}.{name_key}", "a non-empty string", item.get(name_key), source=source
                )
        groups = item.get("counter_groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ConfigError(
                f"{where}.counter_groups", "a list of counter group names", groups, source=source
            )
        priority = item.get("priority", False)
        if not isinstance(priority, bool):
            raise ConfigError(f"{where}.priority", "true or false", priority, source=source)
        out.append(Category(code, item["name_bg"], item["name_en"], priority, tuple(groups)))
    codes = [c.code for c in out]
    if len(set(codes)) != len(codes):
        raise ConfigError(key, "each code used once", codes, source=source)
    return tuple(out)


def _parse_counters(
    raw: Any, categories: tuple[Category, ...], source: str
) -> tuple[CounterSpec, ...]:
    key = "counters"
    if not isinstance(raw, list) or not raw:
        raise ConfigError(key, "a non-empty array of tables [[counters]]", source=source)
    codes = {c.code for c in categories}
    out = []
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(
                where, "a table with number, name_bg, name_en, categories", source=source
            )
        unknown = set(item) - {"number", "name_bg", "name_en", "categories"}
        if unknown:
            raise ConfigError(
                f"{where}.{sorted(unknown)[0]}",
                "no such key (number, name_bg, name_en, categories)",
                source=source,
            )
        number = item.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
            raise ConfigError(
                f"{where}.number", "a whole number from 1 to 99", number, source=source
            )
        cats = item.get("categories")
        if not isinstance(cats, list) or not cats or not all(c in codes for c in cats):
            raise ConfigError(
                f"{where}.categories",
                f"a non-empty list of category codes from {sorted(codes)}",
                cats,
                source=source,
            )
        name_bg = item.get("name_bg", f"Гише {number}")
        name_en = item.get("name_en", f"Counter {number}")
        out.append(CounterSpec(number, str(name_bg), str(name_en), tuple(cats)))
    numbers = [c.number for c in out]
    if len(set(numbers)) != len(numbers):
        raise ConfigError(key, "each counter number used once", numbers, source=source)
    return tuple(out)


def parse_config(data: dict[str, Any], *, base_dir: Path, source: str) -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first bad key."""
    data = dict(data)
    queue = data.pop("queue", {})
    counters_raw = data.pop("counters", None)
    if not isinstance(queue, dict):
        raise ConfigError("queue", "a table [queue]", source=source)
    categories_raw = queue.pop("categories", None)
    if queue:
        raise ConfigError(
            f"queue.{next(iter(queue))}", "no such key (only [[queue.categories]])", source=source
        )
    values = {s.key: s.default for s in SETTINGS}
    for key, value in _flatten(data).items():
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            raise ConfigError(
                key, "a known key (see the README's config reference); no such key", source=source
            )
        try:
            values[key] = setting.parse(value)
        except ValueError as exc:
            raise ConfigError(key, str(exc), value, source=source) from None
    if values["hours.close"] <= values["hours.open"]:
        raise ConfigError(
            "hours.close",
            "a time after hours.open",
            values["hours.close"].strftime("%H:%M"),
            source=source,
        )
    if values["languages.default"] not in values["languages.available"]:
        raise ConfigError(
            "languages.default",
            "one of languages.available",
            values["languages.default"],
            source=source,
        )
    categories = (
        DEFAULT_CATEGORIES if categories_raw is None else _parse_categories(categories_raw, source)
    )
    counters = (
        DEFAULT_COUNTERS
        if counters_raw is None and categories_raw is None
        else _parse_counters(counters_raw, categories, source)
    )
    return Config(
        values=values, categories=categories, counters=counters, base_dir=base_dir, source=source
    )


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
        return parse_config({}, base_dir=Path.cwd(), source="(built-in defaults)")
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
