"""The `kiosk` command on a real SQLite file: help everywhere, the queue, the catalogue, --json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
import yaml

from kiosk.catalog import shipped_catalog
from kiosk.cli import cli, main
from kiosk.commands import config_reference
from tests.support import loaded_heavy_modules

SOFIA = ZoneInfo("Europe/Sofia")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, sub in group.commands.items():
        yield (*prefix, name)
        if isinstance(sub, click.Group):
            yield from _commands(sub, (*prefix, name))


@pytest.mark.parametrize("command", [(), *_commands(cli)], ids=" ".join)
def test_help_everywhere(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: kiosk {' '.join(command)}".rstrip())


@pytest.mark.parametrize("argv", [["--help"], ["sync", "--help"], ["central", "init", "--help"]])
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    assert loaded_heavy_modules(*argv) == set()


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hours: str) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path}"\n{hours}', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["db", "upgrade"]) == 0


@pytest.fixture
def open_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A site open around the clock today: the CLI runs on the real clock."""
    now = dt.datetime.now(SOFIA)
    if now.time() >= dt.time(23, 57):
        pytest.skip("the service day ends within minutes; tickets would change day mid-test")
    today, tomorrow = now.date(), now.date() + dt.timedelta(days=1)
    _site(
        tmp_path,
        monkeypatch,
        '[hours]\nopen = "00:00"\nclose = "23:59"\ndays = [1, 2, 3, 4, 5, 6, 7]\n'
        f"stop_issuing_minutes = 0\nworking_days = [{today}, {tomorrow}]\n",  # even on a holiday
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("open_site")
def test_a_ticket_through_the_queue_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--json", "queue", "issue", "А", "--service", "2016")
    issued = json.loads(out)
    assert code == 0 and (issued["label"], issued["people_ahead"]) == ("А001", 0)
    assert issued["service_id"] == "2016" and issued["counters"] == [1, 2]
    assert _run(capsys, "queue", "issue", "А")[1].startswith("А002: 1 ahead")
    assert _run(capsys, "queue", "call", "1", "--clerk", "maria")[1] == "А001 → counter 1: called\n"
    assert _run(capsys, "queue", "recall", "1")[1] == "А001 → counter 1: called\n"
    assert _run(capsys, "queue", "start", "1")[1] == "А001 → counter 1: serving\n"
    assert _run(capsys, "queue", "finish", "1")[1] == "А001 → counter 1: done\n"
    code, _, err = _run(capsys, "queue", "finish", "1")
    assert code == 1 and "counter 1 has no called ticket" in err
    assert _run(capsys, "queue", "call", "2")[1] == "А002 → counter 2: called\n"
    moved = _run(capsys, "queue", "transfer", "2", "--to-category", "Б", "--reason", "данъци")
    assert moved[1] == "А002 → counter 2: waiting\n"
    assert _run(capsys, "queue", "call", "1")[1] == "nobody is waiting\n"  # 1 serves А and П
    assert _run(capsys, "queue", "call", "3")[1] == "А002 → counter 3: called\n"
    code, out, _ = _run(capsys, "--json", "queue", "status")
    status = json.loads(out)
    assert code == 0 and status["open_state"]["can_issue"] is True
    current = {c["number"]: (c["current"] or {}).get("label") for c in status["counters"]}
    assert current == {1: None, 2: None, 3: "А002", 4: None}
    assert {c["number"]: c["served_today"] for c in status["counters"]}[1] == 1
    code, _, err = _run(capsys, "queue", "issue", "Я")
    assert code == 1 and "no ticket category 'Я'" in err


def test_no_ticket_on_a_closed_day_says_why_and_when(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.datetime.now(SOFIA).date()
    closed = [today + dt.timedelta(days=n) for n in range(3)]
    _site(tmp_path, monkeypatch, f"[hours]\nholidays = [{', '.join(map(str, closed))}]\n")
    code, _, err = _run(capsys, "queue", "issue", "А")
    assert code == 1
    assert err.startswith("Днес е официален празник. Next opening: ")
    opening = dt.datetime.strptime(err.split("Next opening: ")[1].strip(" .\n"), "%d.%m.%Y %H:%M")
    assert opening.date() > closed[-1] and opening.time() == dt.time(8, 30)


def test_catalogue_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _site(tmp_path, monkeypatch, "")
    capsys.readouterr()
    code, out, _ = _run(capsys, "catalog", "export")
    assert code == 0 and len(yaml.safe_load(out)["services"]) == len(shipped_catalog().services)
    code, out, _ = _run(capsys, "--json", "catalog", "search", "naslednitsi", "--limit", "3")
    hits = json.loads(out)
    assert code == 0 and hits[0]["id"] == "2016" and len(hits) <= 3
    code, out, _ = _run(capsys, "catalog", "search", "udostoverenie", "naslednitsi", "--lang", "en")
    assert out.splitlines()[0].split() == ["2016", "Issuing", "a", "certificate", "of", "heirs"]
    assert "regular: €2.56 / 7 days" in out
    assert _run(capsys, "catalog", "search", "zzzxq") == (1, "no service found\n", "")


def test_config_reference_prints_the_generated_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "reference"]) == 0
    assert capsys.readouterr().out == config_reference() + "\n"


def test_queue_call_offers_every_answer_the_queue_knows() -> None:
    from kiosk.queue import Arrival

    # GIVEN `kiosk queue call`, which names the answers without importing the queue
    call = cli.commands["queue"].commands["call"]  # type: ignore[attr-defined]
    # THEN each answer the domain takes parses, and no other
    for answer in Arrival:
        params = call.make_context("call", ["1", "--previous", answer.value]).params
        assert Arrival(params["previous"]) is answer
    with pytest.raises(click.UsageError):
        call.make_context("call", ["1", "--previous", "maybe"])


def test_register_list_offers_every_filter_the_register_knows() -> None:
    from kiosk.register import Filter

    # GIVEN `kiosk register list`, which names the filters without importing the register
    listing = cli.commands["register"].commands["list"]  # type: ignore[attr-defined]
    # THEN each filter the register has parses, and no other; the default is the open cases
    for option in Filter:
        params = listing.make_context("list", ["--filter", option.value]).params
        assert Filter(params["filter"]) is option
    assert Filter(listing.make_context("list", []).params["filter"]) is Filter.OPEN
    with pytest.raises(click.UsageError):
        listing.make_context("list", ["--filter", "maybe"])
