"""`kiosk central staff add|list|disable` on the central database, as the web's own login whose
URL is read from a 0600 file or a variable (`--url file:…`/`env:…`), never the command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.staff import Role, Staff
from tests.central_web_fixtures import Centre
from tests.support import upgraded
from tests.web_fixtures import PASSWORD


@pytest.fixture
def url_file(centre: Centre, tmp_path: Path) -> Path:
    path = tmp_path / "central-web-url"
    path.write_text(centre.web_url + "\n")
    path.chmod(0o600)
    return path


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_disable_an_account_of_the_centre(
    centre: Centre, url_file: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    where = ["--url", f"file:{url_file}", "--sslmode", "disable"]
    code, out, _ = _run(
        [
            "central",
            "staff",
            "add",
            "Inspector",
            "--role",
            "auditor",
            "--name",
            "Инспектор",
            "--password-stdin",
            *where,
        ],
        monkeypatch,
        capsys,
        stdin=PASSWORD + "\n",
    )
    assert (code, out) == (0, "inspector: auditor\n")
    account = Staff(centre.db, centre.config).authenticate(username="inspector", password=PASSWORD)
    assert account is not None and account.role is Role.AUDITOR
    monkeypatch.setenv("KIOSK_CENTRE_WEB_URL", centre.web_url)
    code, out, _ = _run(
        [
            "--json",
            "central",
            "staff",
            "list",
            "--url",
            "env:KIOSK_CENTRE_WEB_URL",
            "--sslmode",
            "disable",
        ],
        monkeypatch,
        capsys,
    )
    listed = {a["username"]: (a["role"], a["active"]) for a in json.loads(out)}
    assert code == 0 and listed["inspector"] == ("auditor", True)
    assert listed["secretary"] == ("admin", True)
    code, out, _ = _run(["central", "staff", "disable", "inspector", *where], monkeypatch, capsys)
    assert (code, out) == (0, "inspector: disabled\n")
    code, out, _ = _run(["central", "staff", "list", *where], monkeypatch, capsys)
    assert "inspector            auditor  disabled  Инспектор" in out.splitlines()
    assert (
        Staff(centre.db, centre.config).authenticate(username="inspector", password=PASSWORD)
        is None
    )


def test_bad_input_is_refused_in_words_and_changes_nothing(
    centre: Centre, url_file: Path, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    where = ["--url", f"file:{url_file}", "--sslmode", "disable"]
    add = ["central", "staff", "add", "petya", "--password-stdin"]
    code, _, err = _run([*add, "--role", "clerk", *where], monkeypatch, capsys, PASSWORD)
    assert code == 2 and "'clerk' is not one of 'admin', 'quality', 'auditor'" in err
    code, _, err = _run([*add, "--role", "quality", *where], monkeypatch, capsys, "short")
    assert (code, err) == (1, "kiosk: a password has at least 8 characters\n")
    code, _, err = _run(
        ["central", "staff", "disable", "nobody", *where], monkeypatch, capsys, PASSWORD
    )
    assert (code, err) == (1, "kiosk: no account 'nobody'\n")
    url_file.chmod(0o644)
    code, _, err = _run([*add, "--role", "quality", *where], monkeypatch, capsys, PASSWORD)
    assert code == 2 and f"{url_file} holds a password and others may read it" in err
    missing = tmp_path / "no-such-file"
    code, _, err = _run(
        [*add, "--role", "quality", "--url", f"file:{missing}"], monkeypatch, capsys, PASSWORD
    )
    assert code == 2 and "gives no URL: the file is missing, unreadable or empty" in err
    code, _, err = _run(
        [*add, "--role", "quality", "--url", "env:KIOSK_NOT_SET_ANYWHERE"],
        monkeypatch,
        capsys,
        PASSWORD,
    )
    assert code == 2 and "env:KIOSK_NOT_SET_ANYWHERE gives no URL: it is unset" in err
    assert Staff(centre.db, centre.config).account("petya") is None


def test_the_sites_staff_commands_are_the_same_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`kiosk staff add` is made by the same function, with the site's roles and counters."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[site]\nid = "shivachevo"\n[database]\nurl = "sqlite:///{tmp_path}/k.sqlite"\n'
    )
    upgraded(f"sqlite:///{tmp_path}/k.sqlite", load_config(config)).dispose()
    base = ["--config", str(config), "staff"]
    code, _, err = _run(
        [*base, "add", "ana", "--role", "auditor", "--password-stdin"],
        monkeypatch,
        capsys,
        PASSWORD,
    )
    assert code == 2 and "'auditor' is not one of 'clerk', 'admin', 'quality'" in err
    code, out, _ = _run(
        [*base, "add", "ana", "--role", "admin", "--password-stdin"], monkeypatch, capsys, PASSWORD
    )
    assert (code, out) == (0, "ana: admin\n")
    code, out, _ = _run([*base, "list"], monkeypatch, capsys)
    assert out.split() == ["ana", "admin", "-", "active", "ana"]
