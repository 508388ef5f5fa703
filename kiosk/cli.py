"""The `kiosk` command: one click group gathering the commands of each part of the product.

Each package defines its commands and groups with click in its `commands` module; they
are added to the group here, in one place, by plain imports. Those modules stay light: a
command imports its libraries inside its function, since matplotlib, Kivy, uvicorn and the
like would cost a nightly `kiosk sync` seconds and a hundred megabytes (#13; a test checks
that `kiosk sync` imports none of them).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DatabaseError, OperationalError

from central_web import commands as centre
from devices import commands as devices
from kiosk import backup_commands as backup
from kiosk import commands as domain
from kiosk import doctor_commands
from kiosk.command_args import Group
from kiosk.config import Config, ConfigError, load_config
from kiosk.db import Database, DatabaseDamaged, SchemaError, StorageFailed, is_damage
from kiosk.errors import KioskError
from kiosk.reports import commands as reports
from kiosk.web import commands as web
from public_web import commands as public
from screens import commands as screens
from sync import commands as sync

EXIT_CONFIG = 2
EXIT_SCHEMA = 3
EXIT_DATABASE = 4
EXIT_DAMAGED = 5
RESTORE = "stop the kiosk, then recover or restore the file (README: Damaged site database)"


@dataclass
class Context:
    """What a command needs, made on first use: the config, the database, output."""

    config_path: Path | None = None
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


@click.group(
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Lobby kiosk, queue and feedback system.",
    commands=[
        domain.config_group,
        domain.db_group,
        backup.backup_group,
        backup.restore,
        domain.catalog_group,
        domain.queue_group,
        devices.printer_group,
        devices.announce,
        screens.demo,
        screens.run,
        screens.kiosk,
        screens.screenshots,
        web.serve,
        web.staff_group,
        public.public_group,
        sync.sync,
        sync.central_group,
        doctor_commands.doctor,
        reports.report,
        reports.register_group,
    ],
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="path to kiosk.toml (default: $KIOSK_CONFIG or ./kiosk.toml)",
)
@click.option(
    "--json", "as_json", is_flag=True, help="machine-readable output where a command has it"
)
@click.pass_context
def cli(click_ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
    ctx = click_ctx.ensure_object(Context)
    ctx.config_path, ctx.as_json = config_path, as_json


sync.central_group.add_command(centre.serve)
sync.central_group.add_command(centre.staff_group)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names; its exit code, or the one of the error that stopped it."""
    ctx = Context()
    try:
        code = cli.main(
            sys.argv[1:] if argv is None else list(argv),
            prog_name="kiosk",
            standalone_mode=False,  # the errors below are caught here, not by click
            obj=ctx,
        )
        return int(code or 0)
    except click.ClickException as exc:  # a usage error: the message and usage, exit 2
        exc.show()
        return exc.exit_code
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except SchemaError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_SCHEMA
    except DatabaseDamaged as exc:
        print(f"kiosk: {exc}; {RESTORE}", file=sys.stderr)
        return EXIT_DAMAGED
    except StorageFailed as exc:  # a full or read-only disk (kiosk.db), already in words
        url = ctx.db.safe_url if ctx._db is not None else "the database"
        print(f"kiosk: cannot use {url}: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except KioskError as exc:  # any other refusal a command did not word itself
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
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
