"""kiosk.toml: validated at start, every bad value named; the README documents every key."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import (
    DEFAULT_CATEGORIES,
    DEFAULT_COUNTERS,
    ConfigError,
    load_config,
    parse_config,
    reference,
    settings,
)
from kiosk.errors import KioskError

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('[hours]\nopen = "8.30"', "hours.open", 'a time of day as "HH:MM"'),
        ('[hours]\nopen = "18:00"', "hours.close", "a time after hours.open"),
        ("[hours]\ndays = [0, 1]", "hours.days", "ISO weekdays"),
        ("[hours]\ndays = []", "hours.days", "a non-empty list of ISO weekdays"),
        ('[hours]\nholidays = ["31.12.2026"]', "hours.holidays", "a list of dates"),
        ("[feedback]\nrepeat_window_s = -5", "feedback.repeat_window_s", "from 0 to 3600"),
        ('[database]\nurl = "kiosk.sqlite"', "database.url", '"sqlite:///path/to/file.sqlite" or'),
        ('[database]\nurl = "mysql://kiosk@db/site"', "database.url", '"postgresql://user@host'),
        (
            '[sync]\ncentral_url = "postgresql://site:pw@db/central"',
            "sync.central_url",
            "never the secret",
        ),
        ("[ui]\nfullscreen = 1", "ui.fullscreen", "true or false"),
        ('site = "Твърдица"', "site", "no such key"),
        (
            '[[counters]]\nnumber = 1\ncategories = ["А"]\nname = "Гише 1"',
            "counters[0].name",
            "no such key",
        ),
        ('[printer]\nconnection = "bluetooth"', "printer.connection", "one of 'virtual'"),
        ('[printer]\nbaudrate = "fast"', "printer.baudrate", "a whole number"),
        ('[site]\nid = "Твърдица"', "site.id", "lowercase Latin"),
        ('[site]\ntimezone = "Europe/Tvarditsa"', "site.timezone", "IANA time zone"),
        ('[ui]\nadmin_pin = "1234"', "ui.admin_pin", 'a reference "env:VARIABLE"'),
        ('[hours]\nopn = "08:30"', "hours.opn", "no such key"),
        ('[languages]\ndefault = "de"', "languages.default", "one of 'bg', 'en'"),
        (
            '[[counters]]\nnumber = 1\ncategories = ["Я"]',
            "counters[0].categories",
            "category codes",
        ),
        (
            '[[queue.categories]]\ncode = "AB"\nname_bg = "x"\nname_en = "x"',
            "queue.categories[0].code",
            "one capital letter",
        ),
        (
            '[[queue.categories]]\ncode = "А"\nname_bg = "x"\nname_en = "x"\n'
            'counter_groups = ["grao", "taxs"]\n[[counters]]\nnumber = 1\ncategories = ["А"]',
            "queue.categories[0].counter_groups",
            "a list of counter group names from 'grao', 'taxes'",
        ),
        (
            '[[queue.categories]]\ncode = "А"\nname_bg = "x"\nname_en = "x"',
            "counters",
            "a non-empty array of tables [[counters]]",
        ),
        ("[printer]\ntimeout_s = true", "printer.timeout_s", "a number from 0.5 to 120"),
        ("[site\nid = 1", "(syntax)", "valid TOML"),
    ],
)
def test_a_bad_value_names_its_key_and_the_expected_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, key: str, expected: str
) -> None:
    path = _write(tmp_path, toml)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key and expected in str(info.value)
    assert main(["--config", str(path), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert key in err and expected in err and str(path) in err


def test_a_config_error_is_a_kiosk_error_with_its_code() -> None:
    error = ConfigError("printer.baudrate", "a whole number from 1200 to 921600", "fast")
    assert isinstance(error, KioskError)
    assert (error.code, error.status, error.params) == ("config", 422, {"key": "printer.baudrate"})


def test_bilingual_pairs_are_read_as_one_text(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[site]\nname_bg = "Община"\nname_en = "Municipality"'))
    assert config.site.name.get("bg") == "Община" and config.site.name.get("en") == "Municipality"
    assert config.site.unit.get("en") == "One-stop service centre"
    assert config.categories[0].name.get("en") == "Civil status"
    assert config.counters[0].name.get("bg") == "Гише 1"


def test_no_file_means_the_built_in_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    config = load_config()
    assert config.source == "(built-in defaults)"
    assert config.hours.open == dt.time(8, 30) and config.hours.close == dt.time(17, 0)
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}"
    assert config.categories == DEFAULT_CATEGORIES and config.counters == DEFAULT_COUNTERS


def test_the_example_file_is_complete_and_valid() -> None:
    example = ROOT / "kiosk.toml.example"
    config = load_config(example)
    assert config.categories == DEFAULT_CATEGORIES
    assert [(c.number, c.categories) for c in config.counters] == [
        (c.number, c.categories) for c in DEFAULT_COUNTERS
    ]
    # it shows the defaults, but for one extra holiday
    defaults = parse_config({}, base_dir=ROOT, source="defaults")
    assert config.model_dump(exclude={"hours"}) == defaults.model_dump(exclude={"hours"})
    assert config.hours.holidays == (dt.date(2026, 1, 2),)
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    written = {
        f"{section}.{key}"
        for section, table in data.items()
        if section not in ("queue", "counters")
        for key in table
    }
    assert written == {s.key for s in settings()}, "kiosk.toml.example must show every setting"


@pytest.mark.parametrize(
    ("url", "used"),
    [
        ("postgresql://kiosk@db.local/site", "postgresql+psycopg://kiosk@db.local/site"),
        ("postgres://kiosk@db.local/site", "postgresql+psycopg://kiosk@db.local/site"),
        ("postgresql+psycopg://kiosk@db.local/site", "postgresql+psycopg://kiosk@db.local/site"),
        ("sqlite:////srv/kiosk/site.sqlite", "sqlite:////srv/kiosk/site.sqlite"),
    ],
)
def test_a_plain_postgresql_url_uses_the_installed_driver(
    tmp_path: Path, url: str, used: str
) -> None:
    # psycopg2 is not installed: SQLAlchemy's default driver for postgresql:// would fail
    assert load_config(_write(tmp_path, f'[database]\nurl = "{url}"')).database_url == used


def test_secrets_are_read_from_environment_or_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pin").write_text("4711\n", encoding="utf-8")
    path = _write(
        tmp_path, '[ui]\nadmin_pin = "file:pin"\n[web]\nsecret = "env:TEST_KIOSK_SECRET"\n'
    )
    monkeypatch.setenv("TEST_KIOSK_SECRET", "s3cret")
    config = load_config(path)
    assert config.secret("ui.admin_pin") == "4711"
    assert config.secret("web.secret") == "s3cret"
    monkeypatch.delenv("TEST_KIOSK_SECRET")
    assert config.secret("web.secret") is None


def test_readme_config_reference_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- config-reference[^\n]*-->\n(.*?)\n<!-- /config-reference -->", readme, re.S
    )
    assert block, "README lacks the config-reference block"
    assert block.group(1).strip() == reference().strip(), (
        "run `kiosk config reference` into the README"
    )
