"""Every output of one report into a folder: PNG charts, the .xlsx workbook, HTML and PDF."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Config
from kiosk.reports.compute import Report
from kiosk.reports.render.charts import write_charts, write_yearly_charts
from kiosk.reports.render.publish import html_to_pdf, render_html, render_yearly_html
from kiosk.reports.render.workbook import write_workbook
from kiosk.reports.wording import translator
from kiosk.reports.yearly import YearlyReport


@dataclass(frozen=True)
class Outputs:
    charts: list[Path]
    workbook: Path | None  # None for the yearly report, made for the website only
    html: Path
    pdf: Path | None


def write_outputs(
    report: Report,
    out_dir: Path,
    *,
    config: Config,
    language: str = "bg",
    pdf: bool = True,
    generated: dt.date,
) -> Outputs:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{report.period.code}"
    charts = write_charts(report, out_dir, language)
    organisation = config.site.name.get(language)
    unit = config.site.unit.get(language)
    title = translator(language)("Client satisfaction and service report")
    workbook = write_workbook(
        report, out_dir / f"{stem}.xlsx", language=language, title=f"{title} — {organisation}"
    )
    html = out_dir / f"{stem}.html"
    html.write_text(
        render_html(
            report,
            language=language,
            organisation=organisation,
            unit=unit,
            charts=charts,
            generated=generated,
        ),
        encoding="utf-8",
    )
    return Outputs(
        charts=charts,
        workbook=workbook,
        html=html,
        pdf=html_to_pdf(html, out_dir / f"{stem}.pdf") if pdf else None,
    )


def write_yearly_outputs(
    report: YearlyReport,
    out_dir: Path,
    *,
    config: Config,
    language: str = "bg",
    pdf: bool = True,
    generated: dt.date,
) -> Outputs:
    """The yearly report for the website: HTML (charts embedded) and its PDF; no workbook.

    The charts are drawn in a temporary folder and embedded, so the folder published holds
    the two files only.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"yearly-{report.year}"
    html = out_dir / f"{stem}.html"
    with tempfile.TemporaryDirectory(prefix="kiosk-charts-") as charts_dir:
        charts = write_yearly_charts(report, Path(charts_dir), language)
        html.write_text(
            render_yearly_html(
                report,
                language=language,
                organisation=config.site.name.get(language),
                unit=config.site.unit.get(language),
                charts=charts,
                generated=generated,
            ),
            encoding="utf-8",
        )
    return Outputs(
        charts=[],
        workbook=None,
        html=html,
        pdf=html_to_pdf(html, out_dir / f"{stem}.pdf") if pdf else None,
    )
