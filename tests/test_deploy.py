"""The systemd units in deploy/: each runs a command the CLI accepts, with the same hardening."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.cli import main

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
KIOSK = "/opt/obshtina-kiosk/current/venv/bin/kiosk"
# what a unit may set for its own job; everything else in [Service] is shared
OWN_KEYS = {"ExecStart", "TimeoutStartSec", "SuccessExitStatus"}


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / name, encoding="utf-8")
    return unit


# the jobs a timer starts; the app and the web, always running, are in tests/test_install.py
SERVICES = sorted(p.name for p in DEPLOY.glob("*.service") if p.with_suffix(".timer").exists())


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_runs_a_kiosk_command_with_its_timer(service: str) -> None:
    unit = _unit(service)
    program, *argv = shlex.split(unit["Service"]["ExecStart"])
    assert program == KIOSK
    assert main([*argv, "--help"]) == 0  # a misspelt command or option exits with 2
    timer = _unit(service.replace(".service", ".timer"))
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "kiosk-sync.service"])
def test_every_service_is_hardened_like_the_sync(service: str) -> None:
    def shared(name: str) -> dict[str, str]:
        keys = {k: v for k, v in _unit(name)["Service"].items() if k not in OWN_KEYS}
        # the backup also writes to the USB stick's mount point, after the data directory
        return keys | {"ReadWritePaths": keys["ReadWritePaths"].split()[0]}

    assert shared(service) == shared("kiosk-sync.service")


def test_retention_runs_before_the_nightly_sync() -> None:
    """So the night's erasures reach the central database in that night's push."""
    retention = _unit("kiosk-retention.timer")["Timer"]["OnCalendar"]
    sync = _unit("kiosk-sync.timer")["Timer"]["OnCalendar"]
    assert retention < sync
    assert "kiosk-sync.service" in _unit("kiosk-retention.service")["Unit"]["Before"]
    argv = shlex.split(_unit("kiosk-retention.service")["Service"]["ExecStart"])[1:]
    assert argv == ["register", "erase-expired"]


def test_the_daytime_sync_ticks_every_five_minutes_of_the_day_and_syncs_only_when_due() -> None:
    """The centre sets the interval (site_settings.sync_every_min); the tick asks the site's
    copy of it, so a site left nightly costs the centre nothing in the day."""
    timer = _unit("kiosk-sync-day.timer")["Timer"]
    if shutil.which("systemd-analyze"):  # systemd's own reading of the calendar
        calendar = ["systemd-analyze", "calendar", "--iterations=3", timer["OnCalendar"]]
        shown = subprocess.run(
            [*calendar, "--base-time=2026-12-02 19:52"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ticks = re.findall(r"(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+)", shown)
        assert ticks == ["2026-12-02 19:55:00", "2026-12-03 07:00:00", "2026-12-03 07:05:00"]
    else:
        assert timer["OnCalendar"] == "*-*-* 07..19:00/5:00"
    # a fixed offset per PC: ticks five minutes apart, the sites spread over the minutes
    assert timer["FixedRandomDelay"] == "true"
    argv = shlex.split(_unit("kiosk-sync-day.service")["Service"]["ExecStart"])[1:]
    assert argv == ["sync", "--when-due"]
    assert _unit("kiosk-sync-day.service")["Service"]["SuccessExitStatus"] == "75"
    # the nightly run stays as it was, for the sites the centre leaves nightly
    nightly = shlex.split(_unit("kiosk-sync.service")["Service"]["ExecStart"])[1:]
    assert nightly == ["sync"]
