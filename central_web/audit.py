"""Every signed-in request to the centre's web is logged before its answer leaves (`centre_views`).

The log is written when the response starts: a view the log cannot record is not shown (the
server answers 500 instead). The site and record a page showed are taken from its path or
query (`site_id`/`site`, `record`/`uuid`/`reg_number`), or set by the route with `shown()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.db import Database
from kiosk.staff import StaffAccount
from sync.centre_views import View, record_view

SITE_KEYS = ("site_id", "site")
RECORD_KEYS = ("record", "uuid", "reg_number")


def shown(request: Request, *, site: str | None = None, record: str | None = None) -> None:
    """Name the site and record a page shows, where its path and query do not."""
    request.state.shown = (site, record)


def _first(keys: tuple[str, ...], *sources: dict[str, object]) -> str | None:
    for source in sources:
        for key in keys:
            value = source.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if value not in (None, ""):
                return str(value)
    return None


class AuditMiddleware:
    """`files`: path prefixes that serve files, not pages (the icon, styles, scripts): a page
    opened is one view, not one per file the browser fetches with it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        clock: Callable[[], dt.datetime],
        files: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.db = db
        self.clock = clock
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.files):
            await self.app(scope, receive, send)
            return

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                view = self._view(scope, message["status"])
                if view is not None:
                    await anyio.to_thread.run_sync(record_view, self.db, view)
            await send(message)

        await self.app(scope, receive, logged_send)

    def _view(self, scope: Scope, status: int) -> View | None:
        state = scope.get("state", {})
        account: StaffAccount | None = state.get("account")
        if account is None:
            return None  # nobody signed in: the login form, static files, a refused cookie
        query_string = scope.get("query_string", b"").decode("latin-1")
        query = parse_qs(query_string)
        params = scope.get("path_params", {})
        site, record = state.get("shown", (None, None))
        return View(
            viewed_at=self.clock(),
            username=account.username,
            method=scope["method"],
            path=scope["path"] + (f"?{query_string}" if query_string else ""),
            site_id=site or _first(SITE_KEYS, params, query),
            record=record or _first(RECORD_KEYS, params, query),
            status=status,
        )
