"""The secretary's accounts page (/staff): the centre's people, their roles and sessions.

The forms are the site admin's own (kiosk/web/routes/accounts.py, staff_accounts.html), with
the centre's roles; a refused form comes back as this page with why, in the reader's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from central_web.deps import EVERYONE, change_by, get_centre
from kiosk.staff import Role, StaffAccount, StaffError
from kiosk.web.deps import language, render, require_role
from kiosk.web.errors import error_text
from kiosk.web.routes.accounts import NewAccount, accounts_router

router = APIRouter(tags=["staff"])
Secretary = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_page(request: Request, account: Secretary) -> Response:
    return _staff_view(request, account)


def _staff_view(
    request: Request,
    account: StaffAccount,
    *,
    error: str | None = None,
    new_account: NewAccount | None = None,
    status_code: int = 200,
) -> Response:
    centre = get_centre(request)
    return render(
        request,
        "staff.html",
        user=account,
        accounts=centre.staff.accounts(),
        sessions=centre.sessions.live(),
        tz=centre.config.tz,
        roles=list(EVERYONE),
        counters=(),
        error=error,
        new_account=new_account,
        status_code=status_code,
    )


def _refused(
    request: Request, account: StaffAccount, exc: StaffError, new_account: NewAccount | None
) -> Response:
    text = error_text(exc, language(request))
    return _staff_view(request, account, error=text, new_account=new_account, status_code=422)


router.include_router(
    accounts_router(
        base="/staff",
        page="/staff",
        roles=EVERYONE,
        admin=change_by(Role.ADMIN),
        refused=_refused,
    )
)
