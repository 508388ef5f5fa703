"""`kiosk staff add` reads the password from stdin and stores an account that can sign in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.db import Database
from kiosk.staff import Role, Staff


def test_staff_add_reads_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(toml), "db", "upgrade"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    args = ["--config", str(toml), "staff", "add", "Maria", "--role", "clerk", "--counter", "2"]
    assert main([*args, "--password-stdin"]) == 0
    assert "maria: clerk at counter 2" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main([*args, "--password-stdin"]) == 1
    config = load_config(toml)
    staff = Staff(Database(config.database_url), config)
    account = staff.authenticate(username="maria", password="a long enough secret")
    assert account is not None and account.role is Role.CLERK and account.counter_number == 2
    assert staff.authenticate(username="maria", password="short") is None
