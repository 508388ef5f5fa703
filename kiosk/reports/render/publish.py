"""The printable report in Bulgarian (HTML, and PDF through headless Chromium) for publication.

The page is self-contained (charts embedded), built only from the report's aggregate
tables: no message text and no personal data can reach it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from kiosk.reports.compute import Report, Share
from kiosk.reports.tables import Table, report_tables, yearly_tables
from kiosk.reports.wording import minutes, number, percent, period_text, translator
from kiosk.reports.yearly import YearlyReport

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def cell_text(kind: str, value: Any, language: str) -> str:
    if kind == "mixed":
        return cell_text(*value, language)
    if kind == "share":
        share: Share = value
        if share.value is None:
            return "–"
        low, high = share.interval  # type: ignore[misc]
        interval = translator(language)("({low}–{high})").format(
            low=percent(low, language), high=percent(high, language)
        )
        return Markup('{}<br><span class="ci">{}</span>').format(
            percent(share.value, language), interval
        )
    if kind == "change":
        return change_text(*value, language)
    if kind == "int":
        return number(value, language, 0)
    if kind == "dec":
        return number(value, language)
    if kind == "pct":
        return percent(value, language)
    if kind == "min":
        return minutes(value, language)
    return "–" if value is None else str(value)


def change_text(kind: str, delta: float | None, language: str) -> str:
    """A change against last year, signed; shares in percentage points."""
    if delta is None:
        return "–"
    if kind == "pct":
        text = translator(language)("{points} pp").format(points=number(abs(delta) * 100, language))
    elif kind == "min":
        text = minutes(abs(delta), language)
    else:
        text = number(abs(delta), language, 0 if kind == "int" else 1)
    if not any(ch in "123456789" for ch in text):  # a change that rounds to nothing
        return f"±{text}"
    return f"+{text}" if delta > 0 else f"−{text}"


def templates() -> Environment:
    """The package's Jinja templates (the report, the letters)."""
    return Environment(
        loader=PackageLoader("kiosk.reports.render", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _embedded(charts: list[Path]) -> dict[str, str]:
    """Each chart as a data: URL by its name, so the page is one self-contained file."""
    return {
        p.stem: "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii")
        for p in charts
    }


def render_html(
    report: Report,
    *,
    language: str,
    organisation: str,
    unit: str,
    charts: list[Path],
    generated: dt.date,
    stylesheet: str | None = None,
) -> str:
    """The page; its CSS inline, or linked from `stylesheet` where inline is not allowed."""
    _ = translator(language)
    tables: list[Table] = report_tables(report, language)
    return (
        templates()
        .get_template("report.html")
        .render(
            _=_,
            lang=language,
            organisation=organisation,
            unit=unit,
            period=period_text(report.period, language),
            previous=period_text(report.previous.period, language) if report.previous else None,
            sites=", ".join(report.sites) if report.sites else _("all sites"),
            generated=generated.strftime("%d.%m.%Y"),
            tables=tables,
            images=_embedded(charts),
            cell=lambda kind, value: cell_text(kind, value, language),
            overall=report.overall,
            fmt_number=lambda v, d=1: number(v, language, d),
            fmt_percent=lambda v: percent(v, language),
            stylesheet=stylesheet,
        )
    )


def render_yearly_html(
    report: YearlyReport,
    *,
    language: str,
    organisation: str,
    unit: str,
    charts: list[Path],
    generated: dt.date,
) -> str:
    """The yearly report's page for the website, self-contained like the period report's."""
    _ = translator(language)
    return (
        templates()
        .get_template("yearly.html")
        .render(
            _=_,
            lang=language,
            organisation=organisation,
            unit=unit,
            year=report.year,
            last_year=report.year - 1,
            sites=", ".join(report.sites) if report.sites else _("all sites"),
            generated=generated.strftime("%d.%m.%Y"),
            tables=yearly_tables(report, language),
            images=_embedded(charts),
            cell=lambda kind, value: cell_text(kind, value, language),
            this=report.this,
            fmt_number=lambda v, d=1: number(v, language, d),
            fmt_percent=lambda v: percent(v, language),
        )
    )


def chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def html_to_pdf(html: Path, pdf: Path, *, timeout_s: float = 120) -> Path | None:
    """Print the page to PDF with headless Chromium; None (and a log line) when there is none."""
    browser = chromium()
    if browser is None:
        log.warning("no Chromium found: the PDF is not made, the HTML report is")
        return None
    with tempfile.TemporaryDirectory(prefix="kiosk-pdf-") as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout_s,
        )
    return pdf


def stylesheet(name: str) -> str:
    """A template's CSS (report.css, letter.css), for a page that must link rather than inline it."""
    return (resources.files("kiosk.reports.render") / "templates" / name).read_text(
        encoding="utf-8"
    )
