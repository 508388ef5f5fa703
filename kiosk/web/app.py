"""The staff web application: `create_app(config, db)` includes the routers of kiosk/web/routes/."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.booked import Booked
from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.health import Health
from kiosk.models import utcnow
from kiosk.queue import Queue
from kiosk.sign_in_limit import SignInLimit
from kiosk.staff import Staff
from kiosk.staff_sessions import StaffSessions
from kiosk.web.announcements import Announcements, Announcer
from kiosk.web.app_info import version
from kiosk.web.board import STATUS_CALLS, board_payload
from kiosk.web.deps import NAV_LINKS, TEMPLATES_DIR, Site, StaffWeb, optional_user, render
from kiosk.web.errors import refusal_response
from kiosk.web.events import EventFeed, SharedStatus
from kiosk.web.routes import admin, auth, board, checks, intake, panel, register, reports
from kiosk.web.security import session_secret

MAX_BODY_BYTES = 64 * 1024
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'",
    ),
]


class LimitsMiddleware:
    """Refuses request bodies over a size (413) and adds the security headers to responses.

    `uploads` raises the limit for the few paths that take a file (a scanned letter), and
    only for them, so every other form still stops at a few kilobytes.
    """

    def __init__(
        self, app: ASGIApp, *, max_body: int = MAX_BODY_BYTES, uploads: Mapping[str, int] = {}
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.uploads = dict(uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_body = self.uploads.get(scope["path"], self.max_body)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            await Response("request too large", status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise HTTPException(status_code=413, detail="request too large")
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)


def create_app(
    config: Config,
    db: Database,
    *,
    announcer: Announcer | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    poll_seconds: float = 0.25,
) -> FastAPI:
    """The web app for one site; `announcer` makes the board's spoken calls (optional)."""
    queue = Queue(db, config, clock=clock)
    counters = Counters(db, config, clock=clock)
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    status = SharedStatus(
        version=counters.latest_change,
        compute=lambda: queue.status(recent=STATUS_CALLS),
        clock=clock,
    )
    site = Site(
        nav=NAV_LINKS,
        home=auth.home_for,
        config=config,
        db=db,
        clock=clock,
        queue=queue,
        staff=Staff(db, config, clock=clock),
        counters=counters,
        booked=Booked(db, config, clock=clock),
        health=Health(db, config, clock=clock),
        templates=templates,
        feed=EventFeed(
            version=counters.latest_change,
            snapshot=lambda: board_payload(status.get()),
            poll_seconds=poll_seconds,
        ),
        status=status,
        sessions=StaffSessions(db, config, clock=clock),
        login_limit=SignInLimit(db, config, clock=clock),
        announcements=Announcements(announcer) if announcer is not None else None,
    )

    return staff_web_app(
        site,
        title="Obshtina kiosk — staff web",
        description="Counter panel, lobby board and admin pages of the one-stop service centre.",
        upload_paths=(intake.NEW_MESSAGE,),
        routers=(
            auth.router,
            board.router,
            panel.router,
            admin.router,
            checks.router,
            intake.router,  # before the register's: /register/new is not a registration number
            register.router,
            reports.router,
        ),
    )


FAVICON = "/favicon.ico"


def serve_favicon(app: FastAPI) -> None:
    """`/favicon.ico`, the municipality's one icon, for the staff webs and the citizens' pages."""

    @app.get(FAVICON, include_in_schema=False)
    def favicon() -> Response:
        # asked for at the root by every browser, also by pages that link none (the letters)
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")


def staff_web_app(
    web: StaffWeb,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    templates_dirs: Sequence[Path] = (),
    upload_paths: Sequence[str] = (),
    dependencies: Sequence[Any] = (),
) -> FastAPI:
    """A staff web over `web`: sessions, limits, static files, the API docs, the routers and
    the one way every refusal is answered; a site's and the centre's are made by this.

    `upload_paths` take a scanned letter: their body may hold one of the largest the
    configuration allows beside the form's other fields, so a file just over it still
    reaches the form, which says why it is refused."""
    templates = web.templates
    if templates_dirs:
        # the app's own templates first; base.html and the shared pages from kiosk/web
        templates.env.loader = ChoiceLoader(
            [FileSystemLoader([str(d) for d in templates_dirs]), templates.env.loader]
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await web.close()

    app = FastAPI(
        title=title,
        description=description,
        version=version(),
        lifespan=lifespan,
        # run before every route's own (the centre binds the auditor with one)
        dependencies=list(dependencies),
        docs_url=None,  # served below from the package, not from a CDN the CSP refuses
        redoc_url=None,  # ReDoc, tried the same way, did not render under this CSP
    )
    app.state.site = web
    secret, _ = session_secret(web.config)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="kiosk_session",
        max_age=web.config.web.session_hours * 3600,
        same_site="strict",
        https_only=False,
    )
    upload_limit = web.config.register.attachment_max_bytes + MAX_BODY_BYTES
    app.add_middleware(LimitsMiddleware, uploads=dict.fromkeys(upload_paths, upload_limit))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    serve_favicon(app)

    # Swagger UI as fastapi-offline ships it; the page starts it from a file, since the CSP
    # allows no inline script.
    app.mount("/docs/assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return templates.TemplateResponse(request, "docs.html", {"title": app.title})

    for router in routers:
        app.include_router(router)

    # every refusal the product makes on purpose, in the reader's language (kiosk/web/errors.py)
    app.add_exception_handler(KioskError, refusal_response)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # Where and why, never the input: it may be what JSON cannot carry back (1e400, NaN,
        # a lone surrogate), and echoing it made the refusal itself fail with a 500.
        if not request.url.path.startswith("/api/"):
            # a person sent a form the browser should not have let through: a page, not JSON
            return render(
                request, "invalid.html", user=optional_user(request, web), status_code=422
            )
        return JSONResponse(
            {
                "detail": [
                    {"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
                ]
            },
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _login_first(request: Request, exc: HTTPException) -> Response:
        # Pages send a visitor who is not signed in to the login form, and show a person whose
        # role does not open a page a page that says so; the API answers with JSON.
        if not request.url.path.startswith("/api/"):
            if exc.status_code == 401:
                return RedirectResponse("/login", status_code=303)
            if exc.status_code == 403 and request.method == "GET":
                return render(
                    request, "denied.html", user=optional_user(request, web), status_code=403
                )
        return await http_exception_handler(request, exc)

    return app
