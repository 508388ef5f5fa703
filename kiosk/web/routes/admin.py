"""Admin pages: today's queue, counters and their categories, staff accounts, kiosk status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.counters import CounterError
from kiosk.register import Register
from kiosk.staff import Role, StaffAccount, StaffError
from kiosk.web.app_info import version
from kiosk.web.deps import MAX_COUNTER, SiteDep, csrf_protect, render, require_role, translator

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]
LATEST_FEEDBACK = 5


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, account: Admin, site: SiteDep) -> Response:
    return _admin_view(request, account, site)


def _admin_view(
    request: Request, account: StaffAccount, site: SiteDep, *, error: str | None = None
) -> Response:
    """The page; `error` is a message this server wrote, never text from the URL."""
    register = Register(site.db, site.config, clock=site.clock)
    return render(
        request,
        "admin.html",
        user=account,
        status=site.queue.status(recent=10),
        counters=site.counters.setups(),
        categories=site.queue.status(recent=0).categories,
        accounts=site.staff.accounts(),
        sessions=site.sessions.live(),
        tz=site.config.tz,
        printer=site.health.device_state(device="printer"),
        sync=site.health.last_sync(),
        version=version(),
        feedback=register.entries()[:LATEST_FEEDBACK],
        roles=list(Role),
        error=error,
    )


@router.post("/admin/counters/{number}", dependencies=[Depends(csrf_protect)])
async def update_counter(
    number: Annotated[int, Path(ge=1, le=MAX_COUNTER)],
    request: Request,
    account: Admin,
    site: SiteDep,
) -> Response:
    form = await request.form()
    categories = [str(v) for v in form.getlist("categories")]
    try:
        site.counters.update(
            number=number, categories=categories, active=form.get("active") == "on"
        )
    except CounterError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return RedirectResponse("/admin#counters", status_code=303)


@router.post("/admin/staff", dependencies=[Depends(csrf_protect)])
def add_staff(
    request: Request,
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    account: Admin,
    site: SiteDep,
    display_name: Annotated[str, Form(max_length=120)] = "",
    counter: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    _ = translator(request)
    try:
        site.staff.add(
            username=username,
            password=password,
            role=role,
            counter=int(counter) if counter.strip().isdigit() else None,
            display_name=display_name.strip() or None,
        )
    except StaffError as exc:
        return _admin_view(
            request, account, site, error=_("Account not saved: {why}").format(why=exc)
        )
    return RedirectResponse("/admin#staff", status_code=303)


@router.post("/admin/staff/{username}/active", dependencies=[Depends(csrf_protect)])
def set_active(
    username: str,
    account: Admin,
    site: SiteDep,
    active: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    if username == account.username:
        raise HTTPException(status_code=422, detail="you cannot deactivate yourself")
    try:
        site.staff.set_active(username=username, active=active == "on")
    except StaffError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return RedirectResponse("/admin#staff", status_code=303)


@router.post("/admin/staff/{username}/sessions/end", dependencies=[Depends(csrf_protect)])
def end_sessions(
    username: Annotated[str, Path(max_length=60)], account: Admin, site: SiteDep
) -> Response:
    """Sign a person out everywhere: each of their browsers must sign in again."""
    try:
        site.sessions.end_all(username=username)
    except StaffError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return RedirectResponse("/admin#sessions", status_code=303)
