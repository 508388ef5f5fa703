"""`kiosk doctor` on real sites: healthy, the printer unplugged, the disk nearly full, the clock
off, the central server down or silent; each problem named with its fix, exit code 1."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.config import Config
from kiosk.db import Database, migration_heads
from kiosk.feedback import Feedback
from kiosk.models import utcnow
from tests.support import Clock, small_disk
from tests.sync_data import new_site_id
from tests.sync_fixtures import CentralServer, CliSite, cli_site
from tests.tls_fixtures import TlsServer

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def listening() -> Iterator[socket.socket]:
    """A real socket listening on a free port (the staff web's, or a server that never answers)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def doctor(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*args, "doctor", "--json"])
    return code, json.loads(capsys.readouterr().out)


def findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in report["checks"] if f["check"] == check]


def only(report: dict[str, Any], check: str) -> dict[str, Any]:
    [finding] = [f for f in findings(report, check) if f["code"] != "code_page_ok"]
    return finding


def failures(report: dict[str, Any]) -> list[str]:
    return [f["code"] for f in report["checks"] if f["status"] == "failure"]


@pytest.fixture
def site(
    central_server: CentralServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliSite]:
    """A site as it runs in the lobby: synced once, a backup, its PIN in a 0600 file, the staff
    web listening; the virtual printer."""
    central = central_server.new_central()
    site = cli_site(central_server, central, new_site_id(), tmp_path)
    monkeypatch.setenv("TEST_CENTRAL_URL", site.central_url)
    pin = tmp_path / "admin_pin"
    pin.write_text("4711\n")
    pin.chmod(0o600)
    with listening() as web:
        _set(site, "ui", admin_pin=f"file:{pin}")
        _set(site, "web", port=web.getsockname()[1])
        # the shared test machine's own disk (often 80–90 % full) is not this site's problem
        _set(site, "doctor", disk_warn_percent=98, disk_fail_percent=99)
        assert main([*site.args, "sync"]) == 0
        assert main([*site.args, "backup"]) == 0
        yield site


def _set(site: CliSite, table: str, **values: object) -> None:
    """Set keys of one table of the site's kiosk.toml (the table added if it has none)."""
    path = Path(site.args[1])
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    text = path.read_text()
    header = f"[{table}]\n"
    if header in text:
        before, after = text.split(header, 1)
        keep = [line for line in after.split("\n") if line.split(" = ")[0] not in values]
        text = before + header + "\n".join([*lines, *keep])
    else:
        text += header + "\n".join(lines) + "\n"
    path.write_text(text)


def test_a_healthy_site_passes_with_each_check_saying_what_it_found(
    site: CliSite, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = doctor(site.args, capsys)
    assert code == 0 and failures(report) == [], report
    assert report["status"] in ("ok", "warning")
    codes = {f["check"]: f["code"] for f in report["checks"] if f["code"] != "code_page_ok"}
    assert codes == {
        "config": "config_ok",
        "database": "database_ok",
        "disk": "disk_ok",
        "printer": "printer_virtual",
        "speech": codes["speech"],  # espeak-ng where installed, a warning where not
        "sound": codes["sound"],  # no sound card on a test machine: a warning
        "time_service": codes["time_service"],
        "clock": "clock_ok",
        "central": "central_ok",
        "last_sync": "sync_ok",
        "last_backup": "backup_ok",
        "web_port": "web_ok",
    }
    # the sync measured the clock; the database is at the code's revision
    assert abs(only(report, "clock")["params"]["skew"]) < 60
    assert all(head in only(report, "database")["found"] for head in migration_heads())
    # sslmode = disable in the test: said, as a warning, with the fix
    [unverified] = [f for f in findings(report, "central") if f["code"] == "central_unverified"]
    assert unverified["status"] == "warning" and 'sslmode = "verify-full"' in unverified["fix"]


def test_the_human_report_says_result_check_finding_and_fix(
    site: CliSite, capsys: pytest.CaptureFixture[str]
) -> None:
    _set(site, "sync", central_url=f"file:{site.args[1]}.missing")
    capsys.readouterr()
    code = main([*site.args, "doctor"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0].startswith("kiosk doctor: 1 failure(s)")
    assert "FAILURE  Configuration: sync.central_url refers to file:" in out
    assert "fix: Create the file with the secret (owner kiosk, mode 0600)" in out
    assert "ok       Site database: sqlite:///" in out


def test_an_unplugged_printer_is_a_failure_with_the_device_to_look_for(
    site: CliSite, capsys: pytest.CaptureFixture[str]
) -> None:
    _set(site, "printer", connection="serial", url="/dev/ttyKIOSK-unplugged")
    code, report = doctor(site.args, capsys)
    assert code == 1 and failures(report) == ["printer_offline"]
    printer = only(report, "printer")
    assert "/dev/ttyKIOSK-unplugged" in printer["found"]
    assert "ls -l /dev/ttyKIOSK-unplugged" in printer["fix"]
    [page] = [f for f in findings(report, "printer") if f["code"] == "code_page_ok"]
    assert page["params"]["pages"] == "CP1251"


def test_a_printer_out_of_paper_answers_so_on_its_serial_line(
    site: CliSite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a pty plays the printer: it answers DLE EOT 1 "online", DLE EOT 4 "paper out"
    import pty
    import threading

    leader, follower = pty.openpty()
    _set(site, "printer", connection="serial", url=os.ttyname(follower))
    answers = {b"\x10\x04\x01": b"\x16", b"\x10\x04\x04": b"\x72"}

    def printer() -> None:
        buffer = b""
        while True:
            try:
                buffer += os.read(leader, 64)
            except OSError:
                return
            for query, answer in answers.items():
                if query in buffer:
                    buffer = buffer.replace(query, b"", 1)
                    os.write(leader, answer)

    threading.Thread(target=printer, daemon=True).start()
    try:
        code, report = doctor(site.args, capsys)
    finally:
        os.close(follower)
        os.close(leader)
    assert code == 1 and failures(report) == ["printer_paper_out"]
    assert "new roll" in only(report, "printer")["fix"]


def test_a_disk_nearly_full_is_a_failure(
    site: CliSite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _set(site, "doctor", disk_warn_percent=85, disk_fail_percent=95)  # the shipped ones
    with small_disk(tmp_path / "small") as small:
        # the data folder on a 2 MB disk, 97% of it filled
        (small / "var").mkdir()
        (small / "var" / "fill").write_bytes(b"\0" * (2 * 2**20 - 60 * 2**10))
        _set(site, "paths", data_dir=str(small / "var"))
        _set(site, "database", url=f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}")
        code, report = doctor(site.args, capsys)
    assert code == 1
    disk = only(report, "disk")
    assert disk["code"] == "disk_full" and disk["status"] == "failure"
    assert disk["params"]["used"] > 95 and disk["params"]["free_mb"] == 0
    assert "journalctl --vacuum-size" in disk["fix"]


def test_a_clock_off_is_a_failure_with_the_records_it_stamped(
    site: CliSite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN the PC's clock 15 minutes ahead (libfaketime) when the nightly sync runs
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ahead = subprocess.run(
        ["faketime", "-f", "+15m", sys.executable, "-m", "kiosk.cli", *site.args, "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # beyond sync.clock_tolerance_s (10 min): nothing pushed, the skew recorded
    assert ahead.returncode == 78 and "ahead of the centre's" in ahead.stdout, ahead.stderr
    # and two ratings stamped by that clock
    config = _config(site)
    feedback = Feedback(site.db, config, clock=Clock(utcnow() + dt.timedelta(minutes=15)))
    feedback.rate(score=5, terminal_id="t1")
    feedback.rate(score=4, terminal_id="t2")
    # WHEN the doctor looks
    code, report = doctor(site.args, capsys)
    # THEN the clock is a failure: how far off, and what it stamped
    assert code == 1
    assert set(failures(report)) == {"clock_ahead", "clock_records", "sync_failed"}
    assert "ahead of the centre's" in only(report, "last_sync")["found"]
    head, records = findings(report, "clock")
    assert 14 * 60 < head["params"]["skew"] < 16 * 60
    assert "15 min ahead of the central server's" in head["found"]
    assert "timedatectl set-ntp true" in head["fix"]
    assert records["params"]["ratings"] == 2 and records["params"]["tickets"] == 0
    assert "ratings 2" in records["found"]


def _config(site: CliSite) -> Config:
    from kiosk.config import load_config

    return load_config(site.args[1])


def test_a_central_server_down_is_a_failure_naming_where(
    site: CliSite, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.setenv("TEST_CENTRAL_URL", f"postgresql://site:pw@127.0.0.1:{port}/kiosk")
    code, report = doctor(site.args, capsys)
    assert code == 1 and failures(report) == ["central_unreachable"]
    central = only(report, "central")
    assert f"127.0.0.1:{port}" in central["found"] and "refused" in central["found"]
    assert f"nc -vz 127.0.0.1 {port}" in central["fix"]


def test_a_server_that_never_answers_cannot_hang_the_doctor(
    site: CliSite, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a listener that accepts (the kernel does) and never says a word, TLS asked of it
    with listening() as silent:
        port = silent.getsockname()[1]
        url = f"postgresql://site:pw@127.0.0.1:{port}/kiosk"
        monkeypatch.setenv("TEST_CENTRAL_URL", url)
        _set(site, "doctor", check_timeout_s=2.0)
        _set(site, "sync", sslmode="require")
        code, report = doctor(site.args, capsys)
    assert code == 1
    central = only(report, "central")
    assert central["code"] == "central_unreachable" and "timed out" in central["found"]


def test_the_login_refused_is_told_with_the_command_that_makes_it(
    site: CliSite, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = site.central_url.replace("@", "x@", 1)  # the password one letter off
    monkeypatch.setenv("TEST_CENTRAL_URL", wrong)
    code, report = doctor(site.args, capsys)
    assert code == 1 and failures(report) == ["central_login_refused"]
    [central] = [f for f in findings(report, "central") if f["status"] == "failure"]
    assert "authentication failed" in central["found"]
    assert f"kiosk central add-site {site.site_id}" in central["fix"]


def test_a_config_that_does_not_load_is_the_one_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text('[printer]\nconection = "serial"\n')
    code, report = doctor(["--config", str(toml)], capsys)
    assert code == 1 and failures(report) == ["config_invalid"]
    assert "printer.conection" in report["checks"][0]["found"]
    assert "kiosk config check" in report["checks"][0]["fix"]


def test_a_database_not_upgraded_skips_what_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n')
    code, report = doctor(["--config", str(toml)], capsys)
    assert code == 1 and "schema_missing" in failures(report)
    assert only(report, "database")["fix"] == "Run `kiosk db upgrade`."
    assert only(report, "clock")["code"] == only(report, "last_sync")["code"] == "needs_database"


def test_a_certificate_expiring_soon_is_a_warning_and_another_cas_a_failure(
    tls_server: TlsServer, config: Config
) -> None:
    from kiosk.config import parse_config
    from sync.checks import central_check

    def check(sslrootcert: Path) -> list[Any]:
        os.environ["TEST_TLS_URL"] = tls_server.url()
        data = {"sync": {"central_url": "env:TEST_TLS_URL", "sslrootcert": str(sslrootcert)}}
        cfg = parse_config(data, base_dir=Path.cwd(), source="test")
        return central_check(cfg, timeout_s=5)

    try:
        # the test CA signs for 2 days: within doctor.cert_warn_days
        cert, login = check(tls_server.ca)
        assert (cert.code, cert.status) == ("central_cert_expiring", "warning")
        assert cert.params["days"] <= 2 and "Renew" in cert.fix()
        assert login.code == "central_ok"  # the admin login of the test server
        [bad] = check(tls_server.other_ca)
        assert (bad.code, bad.status) == ("central_cert_invalid", "failure")
        assert "certificate" in bad.found()
    finally:
        del os.environ["TEST_TLS_URL"]


def test_the_clock_records_are_counted_on_both_databases(db: Database, config: Config) -> None:
    """A period off between two good measurements: the tickets stamped in it, widened by the skew."""
    from kiosk.clock_skew import latest_off_period
    from kiosk.models import SyncRun
    from kiosk.queue import Queue, apply_queue_config
    from tests.support import WORKING_MORNING

    apply_queue_config(db, config)
    at = WORKING_MORNING.replace(hour=9)  # 09:00 Sofia, a Wednesday
    with db.write() as s:
        for hours, skew in ((0, 0.5), (1, 900.0), (2, 950.0), (3, 0.2)):
            started = (at + dt.timedelta(hours=hours)).astimezone(dt.UTC)
            s.add(SyncRun(started_at=started, ok=True, pushed={}, clock_skew_s=skew))
    clock = Clock(at)
    queue = Queue(db, config, clock=clock)
    for minutes in (-10, 70, 125, 190, 240):  # 08:50, 10:10, 11:05, 12:10, 13:00
        clock.set(at + dt.timedelta(minutes=minutes))
        queue.issue(category="А")
    period = latest_off_period(db, threshold_s=120, now=at + dt.timedelta(hours=5))
    assert period is not None and period.worst_s == 950.0
    assert period.ended is not None and period.ended.skew_s == 0.2
    # from the last good measurement (09:00) to the first good one plus 950 s (12:15:50)
    assert period.tickets.count == 3 and period.ratings.count == period.messages.count == 0
    assert period.tickets.first == (at + dt.timedelta(minutes=70)).astimezone(dt.UTC)
    assert period.tickets.last == (at + dt.timedelta(minutes=190)).astimezone(dt.UTC)
    # none beyond the threshold: no period
    assert latest_off_period(db, threshold_s=1000, now=at) is None


def test_every_finding_and_title_is_in_bulgarian_with_the_same_placeholders() -> None:
    import re

    from kiosk.checks import TEXTS, TITLES
    from kiosk.i18n import gettext_for

    bg = gettext_for("bg")
    messages = [*TITLES.values(), *(m for pair in TEXTS.values() for m in pair if m)]
    for message in messages:
        # shell commands and file names stay as they are; the words around them do not
        assert bg(message) != message or message.startswith("sudo "), message
        assert set(re.findall(r"\{\w+\}", bg(message))) == set(re.findall(r"\{\w+\}", message))


def test_a_clock_put_right_since_is_a_warning_with_its_records(
    db: Database, config: Config
) -> None:
    from kiosk.checks import Status
    from kiosk.feedback import Feedback
    from kiosk.local_checks import clock_check
    from kiosk.models import SyncRun
    from tests.support import WORKING_MORNING

    at = WORKING_MORNING.replace(hour=9)
    with db.write() as s:
        for hours, skew in ((0, 0.5), (1, -1800.0), (3, 0.1)):
            started = (at + dt.timedelta(hours=hours)).astimezone(dt.UTC)
            s.add(SyncRun(started_at=started, ok=True, pushed={}, clock_skew_s=skew))
    # a rating stamped half an hour behind, before the last good sync: still counted
    Feedback(db, config, clock=Clock(at - dt.timedelta(minutes=20))).rate(score=2)
    head, records = clock_check(db, config, now=at + dt.timedelta(hours=4))
    assert (head.code, head.status) == ("clock_was_off", Status.WARNING)
    assert head.found() == (
        "This PC's clock was up to 30 min off between the syncs of 25.11.2026 09:00 and "
        "25.11.2026 12:00; it is right since."
    )
    assert "между синхронизациите от 25.11.2026 09:00 и 25.11.2026 12:00" in head.found("bg")
    assert (records.params["ratings"], records.params["tickets"]) == (1, 0)
    assert records.found().startswith("Stamped from 25.11.2026 08:40 to 25.11.2026 08:40")


def test_the_database_checks_on_both_databases(db: Database, config: Config) -> None:
    from kiosk.checks import Status
    from kiosk.local_checks import backup_check, database_check, sync_check

    found = database_check(db)
    assert (found.code, found.status) == ("database_ok", Status.OK)
    assert found.params["revision"] == ", ".join(sorted(db.head_revisions()))
    backup = backup_check(db, config, now=utcnow())
    assert backup.code == ("backup_none" if db.dialect == "sqlite" else "backup_postgresql")
    assert sync_check(db, config, now=utcnow()).code == "sync_none"  # no central configured


def test_a_port_nobody_listens_on_is_told_in_the_readers_language_also_at_the_centre(
    tmp_path: Path,
) -> None:
    """The OS words its reason in English; a secretary reading the site's check at the centre
    reads it in Bulgarian, after the finding went through the sync's JSON."""
    from kiosk.checks import OS_REASONS
    from kiosk.config import load_config
    from kiosk.i18n import gettext_for
    from kiosk.local_checks import web_check
    from sync.status import finding_json, findings_from

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[web]\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8")
    finding = web_check(load_config(path), timeout_s=2)
    pushed = findings_from(json.loads(json.dumps([finding_json(finding)])))[0]
    for shown in (finding, pushed):
        assert shown.found("bg") == f"Нищо не отговаря на 127.0.0.1:{port}: връзката е отказана"
        assert shown.found("en").endswith(": Connection refused")
    bg = gettext_for("bg")
    assert all(bg(reason) != reason for reason in OS_REASONS)
