"""The report's tables as an .xlsx workbook for the administration's own analysis (openpyxl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kiosk.reports.compute import Report, Share
from kiosk.reports.tables import Column, Table, report_tables
from kiosk.reports.wording import period_text, translator

FORMATS = {"int": "#,##0", "dec": "0.0", "pct": "0.0%", "min": "0.0"}
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def _cells(kind: str, value: Any) -> list[tuple[Any, str | None]]:
    """One value as the cells it takes: a share takes three (value, lower, upper bound)."""
    if kind == "mixed":
        inner_kind, inner = value
        return _cells(inner_kind, inner)[:1]
    if kind == "share":
        share: Share = value
        low, high = share.interval or (None, None)
        return [(share.value, "0.0%"), (low, "0.0%"), (high, "0.0%")]
    if kind == "min":
        return [(None if value is None else value / 60, FORMATS["min"])]
    return [(value, FORMATS.get(kind))]


def _headers(column: Column, language: str) -> list[str]:
    _ = translator(language)
    if column.kind == "share":
        return [
            column.title,
            _("{name}: 95% lower bound").format(name=column.title),
            _("{name}: 95% upper bound").format(name=column.title),
        ]
    return [column.title]


def _sheet(book: Workbook, table: Table, language: str) -> None:
    ws = book.create_sheet(table.key[:31])
    ws.append([table.title])
    ws["A1"].font = Font(bold=True, size=13)
    headers = [h for c in table.columns for h in _headers(c, language)]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in table.rows:
        cells = [
            cell
            for column, value in zip(table.columns, row, strict=True)
            for cell in _cells(column.kind, value)
        ]
        ws.append([v for v, _f in cells])
        for cell, (_v, fmt) in zip(ws[ws.max_row], cells, strict=True):
            if fmt:
                cell.number_format = fmt
    if table.note:
        ws.append([])
        ws.append([table.note])
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(header) + 4))
    ws.freeze_panes = "B3"


def write_workbook(report: Report, path: Path, *, language: str, title: str) -> Path:
    book = Workbook()
    about = book.active
    about.title = "report"
    _ = translator(language)
    about.append([title])
    about["A1"].font = Font(bold=True, size=14)
    about.append([_("Period"), period_text(report.period, language)])
    about.append([_("Sites"), ", ".join(report.sites) if report.sites else _("all sites")])
    about.append([_("Complaints as at"), report.as_of])
    about["B4"].number_format = "DD.MM.YYYY"
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 40
    for table in report_tables(report, language):
        _sheet(book, table, language)
    book.save(path)
    return path
