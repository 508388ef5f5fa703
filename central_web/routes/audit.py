"""The log of views (/audit): who at the centre saw which page, when, and the site and record it
showed; for the secretary and the auditor, by person and by day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from central_web.deps import CentreDep
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import ONE_LINE, render, require_role, translator
from sync.centre_views import PAGE_ROWS, viewers, views

router = APIRouter(tags=["audit"])
Reader = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.AUDITOR))]


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    account: Reader,
    centre: CentreDep,
    who: Annotated[str, Query(max_length=60, pattern=ONE_LINE)] = "",
    day: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    _ = translator(request)
    chosen = _day(day) if day else None
    error = _("Give the day as a date, e.g. 2026-12-02.") if day and chosen is None else None
    rows = [] if error else views(centre.db, tz=centre.config.tz, username=who, day=chosen)
    return render(
        request,
        "audit.html",
        user=account,
        rows=rows,
        people=viewers(centre.db),
        who=who,
        day=day,
        full=len(rows) == PAGE_ROWS,
        limit=PAGE_ROWS,
        local=lambda at: at.astimezone(centre.config.tz),
        error=error,
        status_code=422 if error else 200,
    )
