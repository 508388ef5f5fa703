"""`kiosk public serve`: the citizens' pages of the site."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.group("public", cls=Group, help="the citizens' pages: the live ticket on a phone")
def public_group() -> None: ...


@public_group.command(
    "serve", help="run the citizens' pages (their own port; no staff route, no cookies)"
)
@click.option("--host", help="bind address (default: public.host)")
@click.option("--port", type=int, help="port (default: public.port)")
@pass_args
def serve(ctx: Context, args: Args) -> int:
    from kiosk.web.server import StaffWebServer
    from public_web.app import create_public_app

    db = ctx.ready_db()
    host = args.host or ctx.config.public.host
    port = args.port or ctx.config.public.port
    if not ctx.config.public.base_url:
        print("public.base_url is empty: tickets keep the feedback link in their QR code")
    print(f"citizens' pages on http://{host}:{port}/t/<token>")
    StaffWebServer(create_public_app(ctx.config, db), host=host, port=port).run()
    return 0
