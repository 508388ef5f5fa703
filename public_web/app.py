"""`create_public_app(config, db)`: the citizens' pages, from the site's own database or (with
`live=`) from the centre's copy that the sites' feeders keep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.live_ticket import LiveBoard, LiveSource, LiveTicket, LiveTickets
from kiosk.models import utcnow
from kiosk.web.app import LimitsMiddleware, serve_favicon
from kiosk.web.app_info import version
from kiosk.web.events import EventFeed, SharedStatus
from public_web import booking, routes
from public_web.limits import AddressLimits
from sync.bookings import CentralBookings

HERE = Path(__file__).parent
# a citizen's page sends a few small forms: nothing larger is read
MAX_BODY_BYTES = 4 * 1024


@dataclass
class Public:
    """What the citizens' routes need."""

    config: Config
    live: LiveSource
    #: every live ticket, computed once per change for every open page (and page opened)
    boards: SharedStatus[LiveBoard]
    templates: Jinja2Templates
    feed: EventFeed
    limits: AddressLimits
    #: seconds between keep-alive comments on a live stream; the page calls data older than
    #: twice this stale
    heartbeat_s: float
    clock: Callable[[], dt.datetime]
    #: the booking pages' source: the centre's listener has one, the lobby's none
    bookings: CentralBookings | None = None

    def state(self, token: str, *, version: Hashable | None = None) -> LiveTicket:
        """The ticket as of the board of `version` (a stream passes the feed's), else read
        afresh: a ticket of another day is on no board; raises UnknownTicket."""
        return self.boards.get(version).get(token) or self.live.state(token)

    def stale(self, state: LiveTicket) -> bool:
        """The centre has not heard from the site for longer than public.stale_after_s."""
        return state.reported_at is not None and (self.clock() - state.reported_at) > dt.timedelta(
            seconds=self.config.public.stale_after_s
        )

    async def close(self) -> None:
        await self.feed.close()


class CrossSiteMiddleware:
    """Refuses a POST another site's page makes the browser send (403). There are no cookies
    to protect, but a form elsewhere could otherwise cancel a booking or use up a visitor's
    address's allowance; browsers say where a request comes from in Sec-Fetch-Site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            site = dict(scope["headers"]).get(b"sec-fetch-site", b"same-origin")
            if site not in (b"same-origin", b"none"):
                response = Response("cross-site request refused", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RateLimitMiddleware:
    """Refuses an address's requests over its allowance with 429, before any route runs."""

    def __init__(self, app: ASGIApp, *, limits: AddressLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # files, not pages: a phone asks for the icon with every page it has not cached
        if scope["type"] == "http" and not scope["path"].startswith(("/static/", "/favicon.ico")):
            client = scope.get("client")
            if not self.limits.admit(client[0] if client else "?"):
                response = Response(
                    "Твърде много заявки. Изчакайте минута. / Too many requests: wait a minute.",
                    status_code=429,
                    headers={"retry-after": "60"},
                    media_type="text/plain; charset=utf-8",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_public_app(
    config: Config,
    db: Database,
    *,
    live: LiveSource | None = None,
    bookings: CentralBookings | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    poll_seconds: float = 0.5,
    heartbeat_s: float = 15.0,
) -> FastAPI:
    """The pages of `live`; without it, of the site whose database `db` is; with `bookings`
    (the centre's), the booking pages too."""
    source = live or LiveTickets(db, config, clock=clock)
    limits = AddressLimits(
        per_minute=config.public.requests_per_minute, streams=config.public.streams_per_address
    )
    # one poller per process reads the source's version; every stream then reads the board
    # of that version, computed once
    feed = EventFeed(
        version=source.version, snapshot=lambda: {"changed": True}, poll_seconds=poll_seconds
    )
    public = Public(
        config=config,
        live=source,
        boards=SharedStatus(version=source.version, compute=source.board, clock=clock),
        templates=Jinja2Templates(directory=str(HERE / "templates")),
        feed=feed,
        limits=limits,
        heartbeat_s=heartbeat_s,
        clock=clock,
        bookings=bookings,
    )
    app = FastAPI(
        title="Obshtina kiosk — citizens' pages",
        version=version(),
        # nothing but the pages themselves: no API docs, no schema
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.site = public
    app.add_middleware(LimitsMiddleware, max_body=MAX_BODY_BYTES)
    app.add_middleware(CrossSiteMiddleware)
    app.add_middleware(RateLimitMiddleware, limits=limits)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    serve_favicon(app)
    app.include_router(routes.router)
    app.include_router(booking.router)

    @app.exception_handler(KioskError)
    async def _refused(request: Request, exc: KioskError) -> Response:
        return routes.refusal_page(request, exc)

    return app
