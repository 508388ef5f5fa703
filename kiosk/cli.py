"""The `kiosk` command: a shell that gathers the subcommands of each part of the product.

Each package contributes a `commands` module with `register(subparsers)`; the domain
never imports the UI packages, the shell only loads their command modules by name. A run
loads only the modules of the command it runs (`kiosk --help` loads them all), and a
command module imports its libraries inside the functions that use them: matplotlib, Kivy,
uvicorn and the like cost a nightly `kiosk sync` seconds and a hundred megabytes (#13).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DatabaseError, OperationalError

from kiosk.config import Config, ConfigError, load_config
from kiosk.db import Database, DatabaseDamaged, SchemaError, is_damage

COMMAND_MODULES = (
    "kiosk.commands",
    "devices.commands",
    "screens.commands",
    "kiosk.web.commands",
    "sync.commands",
    "kiosk.reports.commands",
)
#: The modules that register each top-level command (`demo` is the app's and the reports').
COMMANDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("config", "db", "catalog", "queue"), ("kiosk.commands",)),
    **dict.fromkeys(("printer", "announce"), ("devices.commands",)),
    "demo": ("screens.commands", "kiosk.reports.commands"),
    **dict.fromkeys(("run", "kiosk", "screenshots"), ("screens.commands",)),
    **dict.fromkeys(("serve", "staff"), ("kiosk.web.commands",)),
    **dict.fromkeys(("sync", "central"), ("sync.commands",)),
    **dict.fromkeys(("report", "register"), ("kiosk.reports.commands",)),
}

EXIT_CONFIG = 2
EXIT_SCHEMA = 3
EXIT_DATABASE = 4
EXIT_DAMAGED = 5
RESTORE = "stop the kiosk, then recover or restore the file (README: Damaged site database)"


@dataclass
class Context:
    """What a command needs, made on first use: the config, the database, output."""

    config_path: Path | None
    as_json: bool = False
    _db: Database | None = field(default=None, repr=False)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(
                self.config.database_url, busy_timeout_ms=self.config.database.busy_timeout_ms
            )
        return self._db

    def ready_db(self) -> Database:
        """The database, checked to be at the code's schema revision."""
        from kiosk.queue import apply_queue_config

        self.db.check_schema()
        apply_queue_config(self.db, self.config)
        return self.db

    def out(self, human: str, data: Any = None) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(human)


def command_of(argv: Sequence[str]) -> str | None:
    """The top-level command `argv` runs, if it names one."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    pre.add_argument("--json", action="store_true")
    pre.add_argument("command", nargs="?")
    known, _ = pre.parse_known_args(argv)
    return known.command if known.command in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of `command` and the others of its modules only."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Lobby kiosk, queue and feedback system."
    )
    parser.add_argument(
        "--config", type=Path, help="path to kiosk.toml (default: $KIOSK_CONFIG or ./kiosk.toml)"
    )
    parser.add_argument(
        "--json", action="store_true", help="machine-readable output where a command has it"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS[command] if command else COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # a part of the product that is not installed adds no commands
            if exc.name is None or not (name == exc.name or name.startswith(exc.name + ".")):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_of(argv))
    args = parser.parse_args(argv)
    ctx = Context(config_path=args.config, as_json=args.json)
    try:
        return int(args.func(ctx, args) or 0)
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except SchemaError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_SCHEMA
    except DatabaseDamaged as exc:
        print(f"kiosk: {exc}; {RESTORE}", file=sys.stderr)
        return EXIT_DAMAGED
    except DatabaseError as exc:
        url = ctx.db.safe_url if ctx._db is not None else "the database"
        if is_damage(exc):
            print(f"kiosk: the database {url} is damaged: {exc.orig}; {RESTORE}", file=sys.stderr)
            return EXIT_DAMAGED
        if not isinstance(exc, OperationalError):
            raise
        print(f"kiosk: cannot use {url}: {exc.orig}", file=sys.stderr)
        return EXIT_DATABASE
    finally:
        if ctx._db is not None:
            ctx._db.dispose()


if __name__ == "__main__":
    sys.exit(main())
