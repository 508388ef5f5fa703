"""`kiosk central serve` and `kiosk central staff add|list|disable`: the centre's staff web."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args
from kiosk.vocabulary import CENTRE_ROLES
from kiosk.web.commands import staff_commands
from sync.commands import central_options, central_target

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from kiosk.cli import Context
    from kiosk.db import Database


@click.command(
    "serve",
    help="run the centre's staff web on the central database (--url: the web's login, "
    "from `kiosk central add-web-login`)",
)
@central_options
@click.option("--host", help="bind address (default: web.host, 127.0.0.1)")
@click.option("--port", type=int, help="port (default: web.port)")
@click.option(
    "--proxy",
    help="address of the TLS reverse proxy in front (e.g. 127.0.0.1): its X-Forwarded-For "
    "is believed, so the sign-in limit counts each browser, not the proxy",
)
@pass_args
def serve(ctx: Context, args: Args) -> int:
    from central_web.app import create_central_app
    from kiosk.web.security import session_secret
    from kiosk.web.server import StaffWebServer

    with central_target(args).checked_database() as db:
        _, generated = session_secret(ctx.config)
        if generated is not None:
            print(f"generated a session key into {generated} (mode 0600); keep it private")
        host = args.host or ctx.config.web.host
        port = args.port or ctx.config.web.port
        print(f"the centre's staff web on http://{host}:{port}/")
        app = create_central_app(ctx.config, db)
        StaffWebServer(app, host=host, port=port, proxy=args.proxy).run()
    return 0


@click.group(
    "staff", cls=Group, help="the accounts of the centre's staff web (admin, quality, auditor)"
)
def staff_group() -> None: ...


def _centre_accounts(ctx: Context, args: Args) -> AbstractContextManager[Database]:
    return central_target(args).checked_database()


staff_commands(
    staff_group,
    roles=CENTRE_ROLES,
    database=_centre_accounts,
    counters=False,
    options=central_options,
)
