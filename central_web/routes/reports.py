"""The yearly report (art. 24) from the centre: chosen by year and site, downloaded as HTML or PDF.

The report reads every site's records through the web's own login (its `centre_reads`
policy): the same `compute_yearly` and the same files as `kiosk central report --yearly`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from central_web.deps import EVERYONE, CentreDep
from kiosk.hours import WorkingHours
from kiosk.reports.compute import Period, PeriodOutOfRange
from kiosk.reports.render.outputs import write_yearly_outputs
from kiosk.reports.render.publish import chromium
from kiosk.reports.yearly import YearlyReport, compute_yearly
from kiosk.staff import StaffAccount
from kiosk.web.deps import language, render, require_role
from sync.catalog import central_categories
from sync.overview import site_rows

router = APIRouter(tags=["reports"])
Reader = Annotated[StaffAccount, Depends(require_role(*EVERYONE))]
FIRST_YEAR = 2020  # the Client Charter's year; the kiosk came later
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _year_range(centre: CentreDep) -> tuple[int, int]:
    today = centre.clock().astimezone(centre.config.tz).date()
    return FIRST_YEAR, today.year


def _site_ids(centre: CentreDep) -> list[str]:
    return [row.site_id for row in site_rows(centre.db)]


@router.get("/reports/yearly", response_class=HTMLResponse, include_in_schema=False)
def yearly_page(
    request: Request, account: Reader, centre: CentreDep, year: int | None = None, site: str = ""
) -> Response:
    first, this_year = _year_range(centre)
    # by 1 March the report of the year just ended is due
    chosen = year if year is not None and first <= year <= this_year else this_year - 1
    return render(
        request,
        "yearly.html",
        user=account,
        years=list(range(this_year, first - 1, -1)),
        year=chosen,
        sites=_site_ids(centre),
        site=site,
        query=f"?site={site}" if site else "",
        pdf=chromium() is not None,
    )


def _yearly(centre: CentreDep, year: int, site: str) -> YearlyReport:
    first, last = _year_range(centre)
    if not first <= year <= last:
        raise PeriodOutOfRange(str(year), first=first, last=last)
    if site and site not in _site_ids(centre):
        raise HTTPException(404)
    with centre.db.engine.connect() as conn:
        categories = central_categories(conn)
    return compute_yearly(
        centre.db,
        period=Period.parse(str(year)),
        hours=WorkingHours.from_config(centre.config),
        sites=[site] if site else None,
        as_of=centre.clock().astimezone(centre.config.tz).date(),
        categories=categories,
    )


@router.get("/reports/yearly/{year}.{kind}", include_in_schema=False)
def yearly_file(
    request: Request, account: Reader, centre: CentreDep, year: int, kind: str, site: str = ""
) -> Response:
    """The report's file for the website, as an attachment (its inline style is the file's own)."""
    if kind not in MEDIA or (kind == "pdf" and chromium() is None):
        raise HTTPException(404)
    report = _yearly(centre, year, site)
    with tempfile.TemporaryDirectory(prefix="kiosk-yearly-") as tmp:
        out = write_yearly_outputs(
            report,
            Path(tmp),
            config=centre.config,
            language=language(request),
            pdf=kind == "pdf",
            generated=report.as_of,
        )
        data = (out.pdf if kind == "pdf" else out.html).read_bytes()  # type: ignore[union-attr]
    name = f"yearly-{year}{'-' + site if site else ''}.{kind}"
    return Response(
        data,
        media_type=MEDIA[kind],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
