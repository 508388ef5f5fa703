"""What the web's routers depend on: the site's services, the signed-in user, CSRF, templates.

The routers in kiosk/web/routes/ (included by kiosk/web/app.py) use these:
`get_site` for the domain objects, `require_role(...)` for the user, `csrf_protect` on every
state-changing route, `render(...)` for a page that extends `base.html`. The centre's staff
web (central_web/) is a `StaffWeb` too: sign-in, sessions, CSRF and pages work the same there.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kiosk.booked import Booked
from kiosk.config import Config
from kiosk.counters import Counters
from kiosk.db import Database
from kiosk.health import Health
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations
from kiosk.queue import Queue, QueueStatus
from kiosk.sign_in_limit import SignInLimit
from kiosk.staff import Role, Staff, StaffAccount
from kiosk.staff_sessions import StaffSessions
from kiosk.text import Text
from kiosk.web.announcements import Announcements
from kiosk.web.events import EventFeed, SharedStatus
from kiosk.web.security import csrf_token, csrf_valid

TEMPLATES_DIR = Path(__file__).parent / "templates"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_COUNTER = 999  # counter numbers a form or an API call may name
# Text from a form or a JSON body: no control characters (PostgreSQL refuses NUL outright).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str  # English source text; base.html translates it
    roles: tuple[Role, ...]


# The nav bar of base.html: every page a role may open from it, in the bar's order.
NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("/panel", "Counter panel", (Role.CLERK, Role.ADMIN)),
    NavLink("/board", "Lobby board", (Role.CLERK, Role.ADMIN, Role.QUALITY)),
    NavLink("/admin", "Administration", (Role.ADMIN,)),
    NavLink("/admin/setup", "Categories and counters", (Role.ADMIN,)),
    NavLink("/register", "Complaint register", (Role.ADMIN, Role.QUALITY)),
    NavLink("/reports", "Reports", (Role.ADMIN, Role.QUALITY)),
)


FLASH_KEY = "flash"  # the cookie's field naming the session's flash held by the server


class Flashes:
    """What a refused form said and held, for the page the browser is sent to (POST-redirect-GET).

    After a refusal the browser's address is the page, not the POST: a reload shows the page
    again instead of sending the form twice. The typed text stays with the server, not in
    the cookie: an answer of 10,000 Cyrillic characters would not fit a cookie's 4 KB. A
    session has one flash, for one page, until a step on that page goes through, another
    refusal replaces it, or `max_age_s` passes; the newest `limit` of all sessions are kept.
    """

    def __init__(self, *, limit: int = 256, max_age_s: float = 600) -> None:
        self.limit = limit
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._held: OrderedDict[str, tuple[float, str, dict[str, Any]]] = OrderedDict()

    def put(self, request: Request, *, page: str, **values: Any) -> None:
        self.clear(request)
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._held[key] = (time.monotonic(), page, values)
            while len(self._held) > self.limit:
                self._held.popitem(last=False)
        request.session[FLASH_KEY] = key

    def get(self, request: Request, *, page: str) -> dict[str, Any] | None:
        """The session's flash if it is for this page (it stays: a reload shows it again)."""
        key = request.session.get(FLASH_KEY)
        if not isinstance(key, str):
            return None
        with self._lock:
            held = self._held.get(key)
            if held is not None and time.monotonic() - held[0] > self.max_age_s:
                del self._held[key]
                held = None
        if held is None:
            request.session.pop(FLASH_KEY, None)
            return None
        return held[2] if held[1] == page else None

    def clear(self, request: Request) -> None:
        key = request.session.pop(FLASH_KEY, None)
        if isinstance(key, str):
            with self._lock:
                self._held.pop(key, None)


@dataclass(kw_only=True)
class StaffWeb:
    """What every staff web gives its routers: a site's (below), or the centre's."""

    config: Config
    db: Database
    clock: Callable[[], dt.datetime]
    staff: Staff
    templates: Jinja2Templates
    sessions: StaffSessions
    login_limit: SignInLimit
    #: the nav bar, in its order; base.html shows the links the user's role opens
    nav: tuple[NavLink, ...]
    #: the page a signed-in account lands on
    home: Callable[[StaffAccount], str]
    #: the packages whose locale/bg.po translate its pages, the first asked first
    text_packages: tuple[str, ...] = ("kiosk.web",)
    #: refused forms' messages and typed values for the page redirected to
    flashes: Flashes = field(default_factory=Flashes)

    async def close(self) -> None:
        """End what the server holds open (live streams) before it stops."""

    def site_names(self) -> Mapping[str, Text]:
        """The names of the sites its pages show, by id: a site's web names its own (the
        centre's reads its `sites` table); an id without a name is shown as it is."""
        return {}


def request_site_names(request: Request) -> Mapping[str, Text]:
    """The sites' names (`StaffWeb.site_names`), read once per request however many parts
    of its page name a site: the centre's sites page named them through two labellers,
    each reading the `sites` table."""
    state = request.state
    if not hasattr(state, "site_names"):
        state.site_names = get_web(request).site_names()
    return state.site_names


def site_labeller(request: Request, language: str) -> Callable[[str], str]:
    """How one page names a site: its name in the page's language, its id while the centre
    has not named it. The names are read when the request first names a site."""

    def label(site_id: str) -> str:
        name = request_site_names(request).get(site_id)
        return name.get(language) if name else site_id

    return label


@dataclass(kw_only=True)
class Site(StaffWeb):
    """The domain objects of the one site this server serves."""

    queue: Queue
    counters: Counters
    booked: Booked  # today's booked visitors, for the clerk's panel
    health: Health
    feed: EventFeed
    status: SharedStatus[QueueStatus]  # the queue's status, once per change, for every reader
    announcements: Announcements | None

    async def close(self) -> None:
        await self.feed.close()

    def site_names(self) -> Mapping[str, Text]:
        # the register's site column named its own records by the id (tvarditsa-ociu)
        site = self.config.site
        return {site.id: Text(bg=site.name_bg, en=site.name_en)}


def get_web(request: Request) -> StaffWeb:
    return request.app.state.site


def get_site(request: Request) -> Site:
    return request.app.state.site


def language(request: Request) -> str:
    lang = request.session.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translator(request: Request) -> Callable[[str], str]:
    return translations(language(request), *get_web(request).text_packages).gettext


# Dependencies that do no I/O are coroutines: FastAPI runs a plain function in its thread
# pool, and a request of the clerk's panel took five trips there and back before its own.
async def _site(request: Request) -> Site:
    return get_site(request)


async def _web(request: Request) -> StaffWeb:
    return get_web(request)


SiteDep = Annotated[Site, Depends(_site)]
WebDep = Annotated[StaffWeb, Depends(_web)]


SESSION_KEY = "sid"  # the cookie's field with the server-side session's token


def optional_user(request: Request, web: WebDep) -> StaffAccount | None:
    """The account of the request's server-side session, checked on every request."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    account = web.sessions.resolve(token)
    if account is None:
        request.session.pop(SESSION_KEY, None)
    # for what wraps the app: the centre logs who viewed each page (central_web/audit.py)
    request.state.account = account
    return account


OptionalUser = Annotated[StaffAccount | None, Depends(optional_user)]


async def current_user(account: OptionalUser) -> StaffAccount:
    if account is None:
        raise HTTPException(status_code=401, detail="sign in first")
    return account


def require_role(*roles: Role) -> Callable[..., StaffAccount]:
    """A dependency that lets through only accounts with one of the roles."""

    async def check(account: Annotated[StaffAccount, Depends(current_user)]) -> StaffAccount:
        if account.role not in roles:
            raise HTTPException(status_code=403, detail="your role does not allow this")
        return account

    return check


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token (header or form field)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_valid(request.session, sent):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


def render(
    request: Request,
    template: str,
    *,
    user: StaffAccount | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page with what base.html needs: translations, the user, the CSRF token, the language."""
    web = get_web(request)
    lang = language(request)
    texts = translations(lang, *web.text_packages)
    return web.templates.TemplateResponse(
        request,
        template,
        {
            "_": texts.gettext,
            "ngettext": texts.ngettext,
            "lang": lang,
            # the site's own names from kiosk.toml, in the page's language
            "site_name": web.config.site.name.get(lang),
            "unit_name": web.config.site.unit.get(lang),
            "site_label": site_labeller(request, lang),
            "user": user,
            "csrf": csrf_token(request.session),
            "nav": [link for link in web.nav if user is not None and user.role in link.roles],
            **context,
        },
        status_code=status_code,
    )
