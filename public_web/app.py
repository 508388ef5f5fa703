"""`create_public_app(config, db)`: the citizens' pages of one site, from its own database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.live_ticket import LiveTickets
from kiosk.models import utcnow
from kiosk.web.app import LimitsMiddleware
from kiosk.web.app_info import version
from kiosk.web.events import EventFeed
from public_web import routes
from public_web.limits import AddressLimits

HERE = Path(__file__).parent
# a citizen's page sends a few small forms: nothing larger is read
MAX_BODY_BYTES = 4 * 1024


@dataclass
class Public:
    """What the citizens' routes need."""

    config: Config
    live: LiveTickets
    templates: Jinja2Templates
    feed: EventFeed
    limits: AddressLimits
    #: seconds between keep-alive comments on a live stream; the page calls data older than
    #: twice this stale
    heartbeat_s: float

    async def close(self) -> None:
        await self.feed.close()


class RateLimitMiddleware:
    """Refuses an address's requests over its allowance with 429, before any route runs."""

    def __init__(self, app: ASGIApp, *, limits: AddressLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
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
    clock: Callable[[], dt.datetime] = utcnow,
    poll_seconds: float = 0.5,
    heartbeat_s: float = 15.0,
) -> FastAPI:
    counters = Counters(db, config, clock=clock)
    limits = AddressLimits(
        per_minute=config.public.requests_per_minute, streams=config.public.streams_per_address
    )
    public = Public(
        config=config,
        live=LiveTickets(db, config, clock=clock),
        templates=Jinja2Templates(directory=str(HERE / "templates")),
        # every stream recomputes its own ticket when the queue moved: the feed only says so
        feed=EventFeed(
            latest_seq=counters.latest_event_seq,
            snapshot=lambda: {"changed": True},
            poll_seconds=poll_seconds,
        ),
        limits=limits,
        heartbeat_s=heartbeat_s,
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
    app.add_middleware(RateLimitMiddleware, limits=limits)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(routes.router)

    @app.exception_handler(KioskError)
    async def _refused(request: Request, exc: KioskError) -> Response:
        return routes.refusal_page(request, exc)

    return app
