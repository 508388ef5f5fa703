"""`kiosk public serve` (the citizens' pages, at the site or at the centre) and `kiosk public
feed` (the site's live tickets sent to the centre)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args
from sync.commands import url_reference

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.group("public", cls=Group, help="the citizens' pages: the live ticket on a phone")
def public_group() -> None: ...


@public_group.command(
    "serve", help="run the citizens' pages (their own port; no staff route, no cookies)"
)
@click.option("--host", help="bind address (default: public.host)")
@click.option("--port", type=int, help="port (default: public.port)")
@click.option(
    "--central-url",
    callback=url_reference,
    help="serve every site's live tickets from the central database, as the sites' "
    "`kiosk public feed` reports them, and the booking pages (/book): the URL of the login `kiosk central add-public-login` "
    "made, or where to read it (file:/path, mode 0600, or env:VARIABLE); TLS as sync.sslmode",
)
@pass_args
def serve(ctx: Context, args: Args) -> int:
    from kiosk.web.server import StaffWebServer
    from public_web.app import create_public_app

    host = args.host or ctx.config.public.host
    port = args.port or ctx.config.public.port
    if args.central_url:
        from sync.bookings import CentralBookings
        from sync.central import CentralTarget
        from sync.public_centre import CentralLiveTickets

        centre = CentralTarget(
            url=args.central_url,
            sslmode=ctx.config.sync.sslmode,
            sslrootcert=ctx.config.sync.sslrootcert,
        )
        with centre.checked_database() as db:
            bookings = CentralBookings(db, ctx.config)
            if not bookings.keyed:
                print(
                    "appointments.hash_key gives no key: the limits' hashes of phones and "
                    "addresses are plain SHA-256",
                    file=sys.stderr,
                )
            live = CentralLiveTickets(db)
            app = create_public_app(ctx.config, db, live=live, bookings=bookings)
            print(f"every site's live tickets, from the centre, on http://{host}:{port}/t/<token>")
            print(f"booking from home on http://{host}:{port}/book")
            StaffWebServer(app, host=host, port=port).run()
        return 0
    app = create_public_app(ctx.config, ctx.ready_db())
    if not ctx.config.public.base_url:
        print("public.base_url is empty: tickets keep the feedback link in their QR code")
    print(f"citizens' pages on http://{host}:{port}/t/<token>")
    StaffWebServer(app, host=host, port=port).run()
    return 0


@public_group.command(
    "feed",
    help="send the site's live tickets to the centre's citizens' pages and apply the "
    '"I\'m leaving" pressed there (runs until stopped; the centre through sync.central_url)',
)
@click.option("--once", is_flag=True, help="one round, then exit (1: the centre was not reached)")
@pass_args
def feed(ctx: Context, args: Args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.errors import KioskError
    from sync.central import CentralTarget
    from sync.public_feed import PublicFeeder

    db = ctx.ready_db()
    try:
        target = CentralTarget.from_config(ctx.config)
    except KioskError as exc:
        print(f"kiosk public feed: {exc}", file=sys.stderr)
        return 1
    engine = target.engine(timeout_s=5)
    feeder = PublicFeeder(db, ctx.config, engine)
    try:
        if args.once:
            try:
                done = feeder.round()
            except (SQLAlchemyError, OSError) as exc:
                print(f"kiosk public feed: the centre ({target.safe_url}): {exc}", file=sys.stderr)
                return 1
            ctx.out(
                f"reported to {target.safe_url}: {done.rows} ticket rows written, "
                f"{done.left} leave requests applied",
                {"rows": done.rows, "left": done.left},
            )
            return 0
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(
            f"the live tickets of {ctx.config.site_id} go to {target.safe_url} "
            f"(at least every {ctx.config.public.feed_heartbeat_s:g} s); Ctrl+C stops"
        )
        try:
            feeder.run(stop)
        except KeyboardInterrupt:
            stop.set()
        return 0
    finally:
        engine.dispose()
