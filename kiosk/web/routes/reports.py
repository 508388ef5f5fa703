"""The satisfaction and service report in the staff web: the summary, the printable page, the workbook."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from kiosk.reports.compute import Period, PeriodOutOfRange, Report, compute_report
from kiosk.reports.render.charts import write_charts
from kiosk.reports.render.publish import cell_text, render_html, stylesheet
from kiosk.reports.render.workbook import write_workbook
from kiosk.reports.tables import report_tables
from kiosk.reports.wording import period_text, translator
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import SiteDep, language, render, require_role

router = APIRouter(tags=["reports"])
Officer = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY))]
FIRST_YEAR = 2020  # the Client Charter's year; the kiosk came later
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(site: SiteDep, period: str | None) -> Report:
    today = site.clock().astimezone(site.config.tz).date()
    if period is None:
        period = Period.parse(f"{today.year}-{today.month:02d}").previous().code
    parsed = Period.parse(period)
    # No record is older than the system or newer than next year; asking costs a full scan.
    if not FIRST_YEAR <= parsed.start.year <= today.year + 1:
        raise PeriodOutOfRange(period, first=FIRST_YEAR, last=today.year + 1)
    return compute_report(site.db, period=parsed, tz=site.config.tz, as_of=today)


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(
    request: Request, account: Officer, site: SiteDep, period: str | None = None
) -> Response:
    report = _report(site, period)
    lang = language(request)
    today = report.as_of  # the site's today, as `_report` asked for it
    return render(
        request,
        "reports/page.html",
        user=account,
        t=translator(lang),
        period=report.period.code,
        # the day picker shows the day asked for, else today: the quality officer's usual ask
        day=report.period.start if report.period.kind == "day" else today,
        today=today,
        first_day=dt.date(FIRST_YEAR, 1, 1),
        period_name=period_text(report.period, lang),
        tables=report_tables(report, lang),
        cell=lambda kind, value: cell_text(kind, value, lang),
    )


@router.get("/reports/report.css", include_in_schema=False)
def report_css(account: Officer) -> Response:
    return Response(stylesheet("report.css"), media_type="text/css")


@router.get("/reports/{period}/print", response_class=HTMLResponse, include_in_schema=False)
def report_print(request: Request, account: Officer, site: SiteDep, period: str) -> Response:
    """The page meant for publication (charts embedded), to print or save as PDF."""
    report = _report(site, period)
    lang = language(request)
    with tempfile.TemporaryDirectory(prefix="kiosk-report-") as tmp:
        html = render_html(
            report,
            language=lang,
            organisation=site.config.site.name.get(lang),
            unit=site.config.site.unit.get(lang),
            charts=write_charts(report, Path(tmp), lang),
            generated=report.as_of,
            stylesheet="/reports/report.css",  # the web's CSP allows no inline styles
        )
    return HTMLResponse(html)


@router.get("/reports/{period}.xlsx", include_in_schema=False)
def report_workbook(request: Request, account: Officer, site: SiteDep, period: str) -> Response:
    report = _report(site, period)
    lang = language(request)
    with tempfile.TemporaryDirectory(prefix="kiosk-report-") as tmp:
        path = write_workbook(
            report,
            Path(tmp) / "report.xlsx",
            language=lang,
            title=translator(lang)("Client satisfaction and service report"),
        )
        data = path.read_bytes()
    return Response(
        data,
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="report-{report.period.code}.xlsx"'},
    )
