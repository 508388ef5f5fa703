"""The click CLI against the argparse one it replaced: the same commands, options, arguments
and help texts (tests/data/cli_surface.json, walked from the argparse parsers), and the same
exit codes and --json shapes on real runs (tests/data/cli_runs.json, recorded from them)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest

from kiosk.cli import cli, main

DATA = Path(__file__).resolve().parent / "data"
SURFACE = json.loads((DATA / "cli_surface.json").read_text(encoding="utf-8"))
RUNS = json.loads((DATA / "cli_runs.json").read_text(encoding="utf-8"))
HOURS = (
    '[hours]\nopen = "00:00"\nclose = "23:59"\ndays = [1, 2, 3, 4, 5, 6, 7]\n'
    "stop_issuing_minutes = 0\nworking_days = [{today}, {tomorrow}]\n"
)


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _paths(sub, (*path, name))


def _command(path: list[str]) -> click.Command:
    command: click.Command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def _choices(param: click.Parameter) -> list[str] | None:
    return list(param.type.choices) if isinstance(param.type, click.Choice) else None


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def test_the_same_command_paths() -> None:
    assert [list(p) for p in _paths(cli)] == [entry["path"] for entry in SURFACE]


@pytest.mark.parametrize("entry", SURFACE, ids=lambda e: " ".join(e["path"]) or "kiosk")
def test_each_command_has_the_same_options_arguments_and_help(
    entry: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the command at a path the argparse CLI had
    command = _command(entry["path"])
    options = [p for p in command.params if isinstance(p, click.Option)]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    # THEN its help, its options and its arguments are those of then
    assert (command.help or "").split("\n\n")[0] == entry["help"]
    assert [
        {
            "name": max(o.opts, key=len),
            "required": o.required,
            "choices": _choices(o),
            "help": o.help,
        }
        for o in options
    ] == entry["options"]
    assert [
        {"name": a.name, "required": a.required, "many": a.nargs == -1, "choices": _choices(a)}
        for a in arguments
    ] == [{k: v for k, v in a.items() if k != "help"} for a in entry["arguments"]]
    # AND its --help exits 0 and says all of it, the arguments' help too
    assert main([*entry["path"], "--help"]) == 0
    out = _words(capsys.readouterr().out)
    for text in [o["name"] for o in entry["options"]] + [a["help"] for a in entry["arguments"]]:
        assert _words(text) in out


def _setup(kind: str, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site each recorded run ran on (see the records' "setup")."""
    today = dt.datetime.now(ZoneInfo("Europe/Sofia")).date()
    text = f'[paths]\ndata_dir = "{work}"\n'
    if kind == "site":
        text += HOURS.format(today=today, tomorrow=today + dt.timedelta(days=1))
    elif kind == "bad_config":
        text += '[web]\nport = "high"\n'
    elif kind == "unreachable":
        text += f'[database]\nurl = "sqlite:///{work}"\n'  # a folder, not a file
    (work / "kiosk.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(work / "kiosk.toml"))
    monkeypatch.delenv("KIOSK_CENTRAL_URL", raising=False)
    monkeypatch.chdir(work)
    if kind == "site":
        assert main(["db", "upgrade"]) == 0
    if kind == "damaged":
        (work / "kiosk.sqlite").write_bytes(b"this is not a database file" * 200)


def _shape(data: Any) -> Any:
    if isinstance(data, dict):
        return sorted(data)
    if isinstance(data, list):
        return {"items": _shape(data[0]) if data else None}
    return None


@pytest.mark.parametrize("kind", sorted({r["setup"] for r in RUNS}))
def test_real_runs_exit_and_answer_as_before(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = dt.datetime.now(ZoneInfo("Europe/Sofia"))
    if kind == "site" and now.time() >= dt.time(23, 57):
        pytest.skip("the service day ends within minutes; tickets would change day mid-test")
    # GIVEN the site the runs were recorded on
    _setup(kind, tmp_path, monkeypatch)
    capsys.readouterr()
    for record in (r for r in RUNS if r["setup"] == kind):
        # WHEN each recorded command runs, in the recorded order
        code = main(record["argv"])
        out, err = capsys.readouterr()
        # THEN it exits with the same code, with the same JSON keys and error message
        assert code == record["exit"], (record["argv"], out, err)
        if "json" in record:
            assert _shape(json.loads(out)) == record["json"], record["argv"]
        if "stderr" in record:
            said = err.replace(str(tmp_path), "{work}")
            if kind == "bad_config":  # the key it names, whatever the words after it
                said = re.sub(r"(web\.port).*", r"\1", said, flags=re.S)
            assert said == record["stderr"], record["argv"]
