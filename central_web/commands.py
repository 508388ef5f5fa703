"""`kiosk central serve`: the centre's staff web."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, pass_args
from sync.commands import central_options, central_target

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.command(
    "serve",
    help="run the centre's staff web on the central database (--url: the web's login, "
    "from `kiosk central add-web-login`)",
)
@central_options
@click.option("--host", help="bind address (default: web.host, 127.0.0.1)")
@click.option("--port", type=int, help="port (default: web.port)")
@pass_args
def serve(ctx: Context, args: Args) -> int:
    from central_web.app import create_central_app
    from kiosk.web.security import session_secret
    from kiosk.web.server import StaffWebServer
    from sync.schema import CentralSchemaError, require_schema

    db = central_target(args).database()
    try:
        with db.engine.connect() as conn:
            require_schema(conn)
    except CentralSchemaError as exc:
        print(f"kiosk central serve: {exc}", file=sys.stderr)
        return 1
    _, generated = session_secret(ctx.config)
    if generated is not None:
        print(f"generated a session key into {generated} (mode 0600); keep it private")
    host = args.host or ctx.config.web.host
    port = args.port or ctx.config.web.port
    print(f"the centre's staff web on http://{host}:{port}/")
    StaffWebServer(create_central_app(ctx.config, db), host=host, port=port).run()
    return 0
