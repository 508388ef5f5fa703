"""Sites at a glance: every site of the municipality, its last sync, who handles its messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from central_web.deps import EVERYONE, CentreDep
from kiosk.staff import StaffAccount
from kiosk.web.deps import render, require_role
from sync.overview import site_rows

router = APIRouter(tags=["sites"])


@router.get("/sites", response_class=HTMLResponse, include_in_schema=False)
def sites_page(
    request: Request,
    centre: CentreDep,
    user: Annotated[StaffAccount, Depends(require_role(*EVERYONE))],
) -> HTMLResponse:
    return render(request, "sites.html", user=user, sites=site_rows(centre.db))
