"""`kiosk serve` and `kiosk staff add|list|disable`: the staff web and its accounts.

`staff_commands` makes the account commands for any staff web: a site's here, the centre's
(`kiosk central staff …`, central_web/commands.py) with its roles and its database.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from kiosk.command_args import Args, Group, pass_args
from kiosk.errors import KioskError
from kiosk.staff import Role, Staff, StaffError
from kiosk.vocabulary import SITE_ROLES

if TYPE_CHECKING:
    from kiosk.cli import Context
    from kiosk.db import Database

#: the accounts' database of a command run, open for the command and closed after it
OpenDatabase = Callable[["Context", Args], AbstractContextManager["Database"]]


@click.command("serve", help="run the staff web: counter panel, lobby board, admin")
@click.option("--host", help="bind address (default: web.host, 127.0.0.1)")
@click.option("--port", type=int, help="port (default: web.port)")
@pass_args
def serve(ctx: Context, args: Args) -> int:
    from kiosk.web.app import create_app
    from kiosk.web.security import session_secret
    from kiosk.web.server import StaffWebServer

    try:
        from devices.announcer import Announcer
    except ModuleNotFoundError:  # the board then shows calls without the spoken announcement
        announcer = None
    else:
        announcer = Announcer(ctx.config.data_dir / "announcements")
    db = ctx.ready_db()
    _, generated = session_secret(ctx.config)
    if generated is not None:
        print(f"generated a session key into {generated} (mode 0600); keep it private")
    host = args.host or ctx.config.web.host
    port = args.port or ctx.config.web.port
    print(f"staff web on http://{host}:{port}/  (board: /board, counter panel: /panel)")
    StaffWebServer(create_app(ctx.config, db, announcer=announcer), host=host, port=port).run()
    return 0


def _read_password(args: Args) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise StaffError("the two passwords differ")
    return first


def staff_commands(
    group: click.Group,
    *,
    roles: tuple[Role, ...],
    database: OpenDatabase,
    counters: bool,
    options: Callable[[Callable[..., Any]], Callable[..., Any]] = lambda f: f,
) -> None:
    """Add `add`, `list` and `disable` to `group`, on the accounts `database` opens; `options`
    are the group's own (the centre's --url); `counters`: the web has counters for clerks."""

    def refused(exc: KioskError) -> int:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1

    def add(ctx: Context, args: Args) -> int:
        with database(ctx, args) as db:
            try:
                account = Staff(db, ctx.config).add(
                    username=args.username,
                    password=_read_password(args),
                    role=Role(args.role),
                    counter=getattr(args, "counter", None),
                    display_name=args.name,
                    replace=True,  # the IT person's way to reset a password or a role
                )
            except KioskError as exc:
                return refused(exc)
        where = f" at counter {account.counter_number}" if account.counter_number else ""
        ctx.out(
            f"{account.username}: {account.role}{where}",
            {
                "username": account.username,
                "role": account.role,
                "counter": where and account.counter_number,
            },
        )
        return 0

    add_command = pass_args(add)
    for option in reversed(
        (
            click.option("--role", type=click.Choice([r.value for r in roles]), required=True),
            *(
                (click.option("--counter", type=int, help="the counter a clerk works at"),)
                if counters
                else ()
            ),
            click.option("--name", help="display name"),
            click.option(
                "--password-stdin", is_flag=True, help="read the password from stdin, no prompt"
            ),
        )
    ):
        add_command = option(add_command)
    group.command(
        "add",
        help="add an account or set its password, role"
        + (" and counter" if counters else " and name"),
    )(click.argument("username")(options(add_command)))

    @group.command("list", help="list the accounts")
    @options
    @pass_args
    def _list(ctx: Context, args: Args) -> int:
        with database(ctx, args) as db:
            accounts = Staff(db, ctx.config).accounts()
        counter = (lambda a: f" {a.counter_number or '-':>3}") if counters else (lambda a: "")
        ctx.out(
            "\n".join(
                f"{a.username:20} {a.role:8}{counter(a)} "
                f"{'active' if a.active else 'disabled'}  {a.display_name}"
                for a in accounts
            )
            or "no accounts",
            [
                {
                    "username": a.username,
                    "role": a.role,
                    "counter": a.counter_number,
                    "active": a.active,
                }
                for a in accounts
            ],
        )
        return 0

    @group.command("disable", help="disable an account")
    @click.argument("username")
    @options
    @pass_args
    def _disable(ctx: Context, args: Args) -> int:
        with database(ctx, args) as db:
            try:
                Staff(db, ctx.config).set_active(username=args.username, active=False)
            except StaffError as exc:
                return refused(exc)
        ctx.out(f"{args.username}: disabled", {"username": args.username, "active": False})
        return 0


@click.group("staff", cls=Group, help="staff accounts of the web")
def staff_group() -> None: ...


staff_commands(
    staff_group,
    roles=SITE_ROLES,
    database=lambda ctx, args: contextlib.nullcontext(ctx.ready_db()),
    counters=True,
)
