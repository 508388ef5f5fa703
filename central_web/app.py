"""`create_central_app(config, db)`: the centre's staff web over the central database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.routing import Mount

from central_web.audit import AuditMiddleware
from central_web.deps import EVERYONE, Centre, auditor_reads_only
from central_web.routes import (
    appointments,
    audit,
    catalogue,
    intake,
    register,
    reports,
    sites,
    staff,
)
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import utcnow
from kiosk.sign_in_limit import SignInLimit
from kiosk.staff import Staff, StaffAccount
from kiosk.staff_sessions import StaffSessions
from kiosk.vocabulary import Role
from kiosk.web.app import FAVICON, staff_web_app
from kiosk.web.deps import TEMPLATES_DIR, NavLink
from kiosk.web.routes import auth
from kiosk.web.routes import register as site_register
from kiosk.web.routes.intake import NEW_MESSAGE

CENTRE_TEMPLATES = Path(__file__).parent / "templates"
CENTRE_STATIC = Path(__file__).parent / "static"

# The bar's labels are short names of the pages (their headings say the whole): nine links,
# the brand and the account's buttons on one row of a 1366 px office laptop in Bulgarian.
CENTRE_NAV: tuple[NavLink, ...] = (
    NavLink("/sites", "Sites", EVERYONE),
    NavLink("/register", "Register", EVERYONE),
    NavLink(NEW_MESSAGE, "New message", (Role.ADMIN, Role.QUALITY)),
    NavLink("/handling", "Who handles", EVERYONE),
    NavLink("/catalogue", "Catalogue", EVERYONE),
    NavLink("/appointments", "Appointments", EVERYONE),
    NavLink("/reports/yearly", "Yearly report", EVERYONE),
    NavLink("/staff", "Staff", (Role.ADMIN,)),
    NavLink("/audit", "Views log", (Role.ADMIN, Role.AUDITOR)),
)


def home_for(account: StaffAccount) -> str:
    return "/sites"


def file_paths(app: FastAPI) -> tuple[str, ...]:
    """The icon and every mount of static files: what the log of views leaves out."""
    mounts = (
        f"{r.path}/" for r in app.routes if isinstance(r, Mount) and isinstance(r.app, StaticFiles)
    )
    return (FAVICON, *mounts)


def create_central_app(
    config: Config, db: Database, *, clock: Callable[[], dt.datetime] = utcnow
) -> FastAPI:
    """The web app of the centre; `db` is the central database, reached as the web's login."""
    centre = Centre(
        config=config,
        db=db,
        clock=clock,
        staff=Staff(db, config, clock=clock),
        templates=Jinja2Templates(directory=str(TEMPLATES_DIR)),
        sessions=StaffSessions(db, config, clock=clock),
        login_limit=SignInLimit(db, config, clock=clock),
        nav=CENTRE_NAV,
        home=home_for,
        # kiosk's own catalogue: the labels of speeds and categories, a record's problems
        text_packages=("central_web", "kiosk.web", "kiosk"),
    )
    app = staff_web_app(
        centre,
        title="Obshtina kiosk — the centre's staff web",
        description="Every site's register, catalogue, reports and health, for the administration.",
        routers=(
            auth.router,
            sites.router,
            # before the register's pages, which would read "new" as a registration number
            intake.router,
            register.router,
            site_register.router,
            catalogue.router,
            appointments.router,
            reports.router,
            staff.router,
            audit.router,
        ),
        upload_paths=(NEW_MESSAGE,),
        templates_dirs=(CENTRE_TEMPLATES,),
        dependencies=(Depends(auditor_reads_only),),
    )
    # the site register's own pages, over every site's messages
    app.dependency_overrides[site_register.register_view] = register.centre_register_view
    # the pages' own styles as a file: the security policy allows no inline style
    app.mount("/centre-static", StaticFiles(directory=CENTRE_STATIC), name="centre-static")
    # outermost: it reads who was signed in once the app inside has answered
    app.add_middleware(AuditMiddleware, db=db, clock=clock, files=file_paths(app))
    return app
