"""What the centre's routers depend on, beside kiosk/web/deps.py's sign-in, CSRF and `render`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from kiosk.staff import StaffAccount
from kiosk.text import Text
from kiosk.vocabulary import CENTRE_ROLES, Role
from kiosk.web.deps import OptionalUser, StaffWeb, csrf_protect, current_user
from sync.overview import site_names

EVERYONE = CENTRE_ROLES
#: the roles that may change something at the centre: never the auditor
CHANGERS = (Role.ADMIN, Role.QUALITY)


@dataclass(kw_only=True)
class Centre(StaffWeb):
    """The centre's services, as a site's web has its own (kiosk.web.deps.Site)."""

    def site_names(self) -> Mapping[str, Text]:
        return site_names(self.db)


def get_centre(request: Request) -> Centre:
    return request.app.state.site


CentreDep = Annotated[Centre, Depends(get_centre)]


async def refuse_auditor(
    _csrf: Annotated[None, Depends(csrf_protect)],
    account: Annotated[StaffAccount, Depends(current_user)],
) -> StaffAccount:
    """Every state-changing route of the centre depends on this (tests/test_central_web_staff.py
    walks the app's routes): the CSRF token checked, then the auditor refused first of all."""
    if account.role not in CHANGERS:
        raise HTTPException(status_code=403, detail="an auditor reads, and changes nothing")
    return account


async def auditor_reads_only(request: Request, account: OptionalUser) -> None:
    """On every route of the centre's app, before the route's own checks: a request that would
    change something is refused to an auditor. The site's register pages, served here too,
    know no auditor; a route added later is bound without having to remember it."""
    if request.method not in ("GET", "HEAD") and account and account.role not in CHANGERS:
        raise HTTPException(status_code=403, detail="an auditor reads, and changes nothing")


def change_by(*roles: Role) -> Callable[..., StaffAccount]:
    """A state-changing route's dependency: `refuse_auditor`, then only `roles` let through."""
    if not set(roles) <= set(CHANGERS):
        raise ValueError(f"only {', '.join(CHANGERS)} may change anything at the centre")

    def check(account: Annotated[StaffAccount, Depends(refuse_auditor)]) -> StaffAccount:
        if account.role not in roles:
            raise HTTPException(status_code=403, detail="your role does not allow this")
        return account

    return check
