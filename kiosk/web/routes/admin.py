"""Admin pages: today's queue, the centre's set-up (categories, counters), staff accounts, kiosk status.

A refused form comes back as its page with the reason in the reader's language, never as
JSON; every set-up change is recorded with the admin's username (kiosk/counters.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.counters import SetupError
from kiosk.register import Register
from kiosk.reports.wording import kind_text
from kiosk.staff import Role, StaffAccount, StaffError
from kiosk.vocabulary import SITE_ROLES
from kiosk.web.alert_texts import site_alert_texts
from kiosk.web.app_info import version
from kiosk.web.deps import (
    SiteDep,
    csrf_protect,
    get_site,
    language,
    render,
    require_role,
)
from kiosk.web.errors import N_, error_text
from kiosk.web.routes.accounts import NewAccount, accounts_router, counter_or_none
from kiosk.web.routes.checks import quick_checks

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]
LATEST_FEEDBACK = 5
CounterNumber = Annotated[int, Path(ge=1, le=99)]
CategoryCode = Annotated[str, Path(min_length=1, max_length=1)]
# forms are read as text and checked by the domain, so a bad value is a message on the page
Text = Annotated[str, Form(max_length=300)]
# one whole sentence per kind of change, so a translation never glues fragments
CHANGE_TEXTS = {
    ("category", "created"): N_("Category {key} added"),
    ("category", "changed"): N_("Category {key} changed"),
    ("category", "moved up"): N_("Category {key} moved up"),
    ("category", "moved down"): N_("Category {key} moved down"),
    ("counter", "created"): N_("Counter {key} added"),
    ("counter", "changed"): N_("Counter {key} changed"),
    # its own clerk's break (Counters.open_counter)
    ("counter", "closed"): N_("Counter {key} closed by its clerk"),
    ("counter", "opened"): N_("Counter {key} reopened by its clerk"),
}


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, account: Admin, site: SiteDep) -> Response:
    return _admin_view(request, account, site)


def _admin_view(
    request: Request,
    account: StaffAccount,
    site: SiteDep,
    *,
    error: str | None = None,
    new_account: NewAccount | None = None,
    status_code: int = 200,
) -> Response:
    """The page; `error` is a message this server wrote, never text from the URL, shown by
    the new-account form when `new_account` (that form as typed) was refused."""
    register = Register(site.db, site.config, clock=site.clock)
    return render(
        request,
        "admin.html",
        user=account,
        status=site.queue.status(recent=10),
        counters=site.counters.setups(),
        accounts=site.staff.accounts(),
        sessions=site.sessions.live(),
        tz=site.config.tz,
        printer=site.health.device_state(device="printer"),
        sync=site.health.last_sync(),
        checks=quick_checks(site),
        alerts=site_alert_texts(site, language(request)),
        version=version(),
        feedback=register.entries()[:LATEST_FEEDBACK],
        kind_text=lambda k: kind_text(k, language(request)),
        roles=list(SITE_ROLES),
        error=error,
        new_account=new_account,
        status_code=status_code,
    )


@router.get("/api/health-alerts")
def health_alerts(request: Request, account: Admin, site: SiteDep) -> list[str]:
    """What is wrong with the kiosk now, in the reader's language (the admin page's live list)."""
    return site_alert_texts(site, language(request))


@router.get("/admin/setup", response_class=HTMLResponse, include_in_schema=False)
def setup_page(request: Request, account: Admin, site: SiteDep) -> Response:
    """The centre's ticket categories and counters, each editable, and who changed what."""
    return _setup_view(request, account, site)


def _setup_view(
    request: Request,
    account: StaffAccount,
    site: SiteDep,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin_setup.html",
        user=account,
        categories=site.counters.categories(),
        counters=site.counters.setups(),
        changes=site.counters.changes(),
        change_texts=CHANGE_TEXTS,
        local=lambda at: at.astimezone(site.config.tz),
        error=error,
        status_code=status_code,
    )


def _refused(
    request: Request,
    account: StaffAccount,
    site: SiteDep,
    exc: SetupError | StaffError,
    new_account: NewAccount | None = None,
) -> Response:
    """The page of the refused form again, with why, in the reader's language."""
    text = error_text(exc, language(request))
    if isinstance(exc, SetupError):
        return _setup_view(request, account, site, error=text, status_code=422)
    return _admin_view(request, account, site, error=text, new_account=new_account, status_code=422)


def _groups(text: str) -> tuple[str, ...]:
    return tuple(g.strip() for g in text.replace(";", ",").split(",") if g.strip())


@router.post("/admin/categories", dependencies=[Depends(csrf_protect)])
def add_category(
    request: Request,
    account: Admin,
    site: SiteDep,
    code: Text = "",
    name_bg: Text = "",
    name_en: Text = "",
    priority: Text = "",
    counter_groups: Text = "",
    entitled_bg: Text = "",
    entitled_en: Text = "",
) -> Response:
    try:
        site.counters.save_category(
            actor=account.username,
            code=code,
            name_bg=name_bg,
            name_en=name_en,
            priority=priority == "on",
            counter_groups=_groups(counter_groups),
            entitled_bg=entitled_bg,
            entitled_en=entitled_en,
            create=True,
        )
    except SetupError as exc:
        return _refused(request, account, site, exc)
    return RedirectResponse("/admin/setup#categories", status_code=303)


@router.post("/admin/categories/{code}", dependencies=[Depends(csrf_protect)])
def change_category(
    request: Request,
    code: CategoryCode,
    account: Admin,
    site: SiteDep,
    name_bg: Text = "",
    name_en: Text = "",
    priority: Text = "",
    counter_groups: Text = "",
    entitled_bg: Text = "",
    entitled_en: Text = "",
    active: Text = "",
) -> Response:
    try:
        site.counters.save_category(
            actor=account.username,
            code=code,
            name_bg=name_bg,
            name_en=name_en,
            priority=priority == "on",
            counter_groups=_groups(counter_groups),
            entitled_bg=entitled_bg,
            entitled_en=entitled_en,
            active=active == "on",
        )
    except SetupError as exc:
        return _refused(request, account, site, exc)
    return RedirectResponse("/admin/setup#categories", status_code=303)


@router.post("/admin/categories/{code}/move", dependencies=[Depends(csrf_protect)])
def move_category(
    request: Request,
    code: CategoryCode,
    account: Admin,
    site: SiteDep,
    direction: Text = "up",
) -> Response:
    try:
        site.counters.move_category(actor=account.username, code=code, up=direction == "up")
    except SetupError as exc:
        return _refused(request, account, site, exc)
    return RedirectResponse("/admin/setup#categories", status_code=303)


@router.post("/admin/counters", dependencies=[Depends(csrf_protect)])
async def add_counter(request: Request, account: Admin, site: SiteDep) -> Response:
    form = await request.form()
    try:
        site.counters.save_counter(
            actor=account.username,
            number=counter_or_none(str(form.get("number", ""))) or 0,
            name_bg=str(form.get("name_bg", "")),
            name_en=str(form.get("name_en", "")),
            categories=[str(v) for v in form.getlist("categories")],
            active=form.get("active") == "on",
            create=True,
        )
    except SetupError as exc:
        return _refused(request, account, site, exc)
    return RedirectResponse("/admin/setup#counters", status_code=303)


@router.post("/admin/counters/{number}", dependencies=[Depends(csrf_protect)])
async def change_counter(
    number: CounterNumber,
    request: Request,
    account: Admin,
    site: SiteDep,
) -> Response:
    form = await request.form()
    names = {k: str(form[k]) for k in ("name_bg", "name_en") if k in form}
    try:
        site.counters.save_counter(
            actor=account.username,
            number=number,
            categories=[str(v) for v in form.getlist("categories")],
            active=form.get("active") == "on",
            **names,
        )
    except SetupError as exc:
        return _refused(request, account, site, exc)
    return RedirectResponse("/admin/setup#counters", status_code=303)


def _admin_csrf(
    _csrf: Annotated[None, Depends(csrf_protect)],
    account: Annotated[StaffAccount, Depends(require_role(Role.ADMIN))],
) -> StaffAccount:
    return account


# the account forms, the same as the centre's /staff page (kiosk/web/routes/accounts.py)
router.include_router(
    accounts_router(
        base="/admin/staff",
        page="/admin",
        roles=SITE_ROLES,
        admin=_admin_csrf,
        refused=lambda request, account, exc, typed: _refused(
            request, account, get_site(request), exc, typed
        ),
    )
)
