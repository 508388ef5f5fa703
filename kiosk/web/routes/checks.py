"""The doctor's checks on the admin page: the quick ones with the page, all of them on request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from kiosk.checks import Finding
from kiosk.doctor import examine
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import SiteDep, render, require_role

router = APIRouter(tags=["admin"])
Admin = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]


def quick_checks(site: SiteDep) -> list[Finding]:
    """What the admin page shows as it opens: no network, printer or speaker is touched."""
    return examine(site.config, site.db, on_request=False, now=site.clock())


@router.get("/admin/checks", response_class=HTMLResponse, include_in_schema=False)
def all_checks(request: Request, account: Admin, site: SiteDep) -> Response:
    """Every check, the central server's, the printer's and the speech's too: the list alone,
    which the admin page puts in place of its quick one (a sync def: FastAPI runs it in a
    worker thread, so the slow checks hold up no other request)."""
    findings = examine(site.config, site.db, on_request=True, now=site.clock())
    return render(request, "checks.html", user=account, checks=findings, complete=True)
