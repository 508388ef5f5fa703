"""`create_central_app(config, db)`: the centre's staff web over the central database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from central_web.deps import EVERYONE, Centre
from central_web.routes import catalogue, sites
from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import utcnow
from kiosk.sign_in_limit import SignInLimit
from kiosk.staff import Staff, StaffAccount
from kiosk.staff_sessions import StaffSessions
from kiosk.web.app import staff_web_app
from kiosk.web.deps import TEMPLATES_DIR, NavLink
from kiosk.web.routes import auth

CENTRE_TEMPLATES = Path(__file__).parent / "templates"
CENTRE_STATIC = Path(__file__).parent / "static"

CENTRE_NAV: tuple[NavLink, ...] = (
    NavLink("/sites", "Sites", EVERYONE),
    NavLink("/catalogue", "Catalogue", EVERYONE),
)


def home_for(account: StaffAccount) -> str:
    return "/sites"


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
        routers=(auth.router, sites.router, catalogue.router),
        templates_dirs=(CENTRE_TEMPLATES,),
    )
    # the pages' own styles as a file: the security policy allows no inline style
    app.mount("/centre-static", StaticFiles(directory=CENTRE_STATIC), name="centre-static")
    return app
