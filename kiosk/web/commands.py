"""`kiosk serve` and `kiosk staff add|list|disable`: the staff web and its accounts."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args
from kiosk.errors import KioskError
from kiosk.staff import Role, Staff, StaffError
from kiosk.vocabulary import SITE_ROLES

if TYPE_CHECKING:
    from kiosk.cli import Context


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


@click.group("staff", cls=Group, help="staff accounts of the web")
def staff_group() -> None: ...


def _read_password(args: Args) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise StaffError("the two passwords differ")
    return first


@staff_group.command("add", help="add an account or set its password, role and counter")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in SITE_ROLES]), required=True)
@click.option("--counter", type=int, help="the counter a clerk works at")
@click.option("--name", help="display name")
@click.option("--password-stdin", is_flag=True, help="read the password from stdin, no prompt")
@pass_args
def _staff_add(ctx: Context, args: Args) -> int:
    staff = Staff(ctx.ready_db(), ctx.config)
    try:
        account = staff.add(
            username=args.username,
            password=_read_password(args),
            role=Role(args.role),
            counter=args.counter,
            display_name=args.name,
            replace=True,  # the IT person's way to reset a password or a role
        )
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
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


@staff_group.command("list", help="list the accounts")
@pass_args
def _staff_list(ctx: Context, args: Args) -> int:
    accounts = Staff(ctx.ready_db(), ctx.config).accounts()
    ctx.out(
        "\n".join(
            f"{a.username:20} {a.role:8} {a.counter_number or '-':>3} "
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


@staff_group.command("disable", help="disable an account")
@click.argument("username")
@pass_args
def _staff_disable(ctx: Context, args: Args) -> int:
    try:
        Staff(ctx.ready_db(), ctx.config).set_active(username=args.username, active=False)
    except StaffError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    ctx.out(f"{args.username}: disabled", {"username": args.username, "active": False})
    return 0
