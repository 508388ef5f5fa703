"""Add the CLI's new commands to cli_surface.json, keeping every recorded entry as it was.

Run after adding a command: `python -m tests.data.record_surface`. An entry already recorded
is never rewritten (the test holds the CLI to it); only paths the file lacks are added, in
the CLI's order.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.cli import cli
from tests.test_cli_surface import _choices, _paths

SURFACE = Path(__file__).resolve().parent / "cli_surface.json"


def entry(path: tuple[str, ...]) -> dict:
    command: click.Command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {
        "path": list(path),
        "options": [
            {
                "name": max(o.opts, key=len),
                "required": o.required,
                "choices": _choices(o),
                "help": o.help,
            }
            for o in command.params
            if isinstance(o, click.Option)
        ],
        "arguments": [
            {
                "name": a.name,
                "required": a.required,
                "many": a.nargs == -1,
                "choices": _choices(a),
                "help": None,  # said in the command's help text
            }
            for a in command.params
            if isinstance(a, click.Argument)
        ],
        "help": (command.help or "").split("\n\n")[0],
    }


def main() -> None:
    recorded = {tuple(e["path"]): e for e in json.loads(SURFACE.read_text(encoding="utf-8"))}
    merged = [recorded.get(p) or entry(p) for p in _paths(cli)]
    SURFACE.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(merged) - len(recorded)} new command path(s) recorded")


if __name__ == "__main__":
    main()
