"""The municipality's one register: the site register's pages over every site's messages,
and the secretary's page that says who handles each site's cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central_web.deps import EVERYONE, CentreDep
from kiosk.errors import KioskError
from kiosk.register import Register
from kiosk.staff import StaffAccount
from kiosk.vocabulary import HandledAt, Role
from kiosk.web.deps import csrf_protect, render, require_role
from kiosk.web.routes.register import RegisterView
from sync.handling import CentreDesk, handling, set_handled_at
from sync.overview import site_rows

router = APIRouter(tags=["register"])


def centre_register_view(centre: CentreDep, site: str | None = None) -> RegisterView:
    """The site register's pages at the centre: every site, or the one `?site=` names."""
    sites = [row.site_id for row in site_rows(centre.db)]
    if site is not None and site not in sites:
        raise HTTPException(status_code=404, detail="no such site")
    desk = CentreDesk(frozenset({site}) if site else None)
    register = Register(centre.db, centre.config, clock=centre.clock, desk=desk)
    return RegisterView(register, sites=sites, site=site)


@router.get("/handling", response_class=HTMLResponse, include_in_schema=False)
def handling_page(
    request: Request,
    centre: CentreDep,
    user: Annotated[StaffAccount, Depends(require_role(*EVERYONE))],
) -> HTMLResponse:
    sites = [row.site_id for row in site_rows(centre.db)]
    return render(
        request,
        "handling.html",
        user=user,
        rows=handling(centre.db, sites),
        local=lambda at: at.astimezone(centre.config.tz),
    )


@router.post("/handling/{site_id}", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_handling(
    centre: CentreDep,
    user: Annotated[StaffAccount, Depends(require_role(Role.ADMIN))],
    site_id: str,
    handled_at: Annotated[HandledAt, Form()],
) -> Response:
    """The secretary hands a site's cases to the centre or back; the site learns it at its sync."""
    if site_id not in {row.site_id for row in site_rows(centre.db)}:
        raise HTTPException(status_code=404, detail="no such site")
    set_handled_at(centre.db, site_id, handled_at, by=user.username, now=centre.clock())
    return RedirectResponse("/handling", status_code=303)


class TakeoverNotConfirmed(KioskError):
    """A takeover without the site's sync is taken only when the secretary ticks its box."""

    code = "takeover_not_confirmed"


@router.post(
    "/handling/{site_id}/take-over",
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
def take_over(
    centre: CentreDep,
    user: Annotated[StaffAccount, Depends(require_role(Role.ADMIN))],
    site_id: str,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The centre takes the cases of a site that does not sync, without waiting for it: the
    secretary confirms the risk (README: who handles a case), and the setting keeps who and
    when, as the log of views keeps the request."""
    if site_id not in {row.site_id for row in site_rows(centre.db)}:
        raise HTTPException(status_code=404, detail="no such site")
    if confirm != "yes":
        raise TakeoverNotConfirmed("the takeover was not confirmed")
    set_handled_at(
        centre.db, site_id, HandledAt.CENTRE, by=user.username, now=centre.clock(), force=True
    )
    return RedirectResponse(f"/handling#site-{site_id}", status_code=303)
