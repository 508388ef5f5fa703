"""The published outputs: charts, workbook, HTML and PDF in Bulgarian, and no personal data in them."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.cli import main
from kiosk.db import Database
from kiosk.models import Message, MessageContact
from kiosk.reports.compute import Period, compute_report
from kiosk.reports.render.outputs import write_outputs
from kiosk.reports.render.publish import chromium
from tests.report_fixtures import PERSONAL, SOFIA_TZ, build_known_month

needs_chromium = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed")


@pytest.fixture
def outputs(sqlite_db: Database, config, tmp_path: Path):
    build_known_month(sqlite_db, config)
    report = compute_report(
        sqlite_db, period=Period.parse("2026-11"), tz=SOFIA_TZ, as_of=dt.date(2026, 12, 10)
    )
    return write_outputs(
        report,
        tmp_path / "out",
        config=config,
        pdf=chromium() is not None,
        generated=dt.date(2026, 12, 10),
    )


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(
            z.read(name).decode("utf-8") for name in z.namelist() if name.endswith(".xml")
        )


@needs_chromium
def test_published_report_has_no_personal_data(outputs, sqlite_db: Database) -> None:
    # GIVEN a database that holds names, contacts and complaint texts
    with sqlite_db.read() as s:
        stored = (
            set(s.scalars(select(MessageContact.name)))
            | set(s.scalars(select(MessageContact.contact)))
            | set(s.scalars(select(Message.text)))
        )
    personal = [v for values in PERSONAL.values() for v in values]
    assert set(personal) <= stored
    # WHEN the report is published, THEN none of them is in any file
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(outputs.pdf).pages)
    texts = {
        "html": outputs.html.read_text(encoding="utf-8"),
        "xlsx": _xlsx_text(outputs.workbook),
        "pdf": pdf_text,
        **{p.name: p.read_bytes().decode("latin-1") for p in outputs.charts},
    }
    # the search works: a category name and a heading are found where they should be
    assert "Гражданско състояние" in texts["html"] and "Гражданско състояние" in texts["xlsx"]
    assert "Доклад за удовлетвореността" in " ".join(pdf_text.split())
    for where, text in texts.items():
        for value in personal:
            assert value not in text, f"{value!r} found in {where}"


def test_workbook_holds_the_figures(outputs) -> None:
    book = load_workbook(outputs.workbook)
    assert book.sheetnames[:3] == ["report", "summary", "by_category"]
    summary = {row[0]: row[1:] for row in book["summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["Отчетени оценки"][0] == 4
    assert summary["Индекс на удовлетвореност (0–100)"][0] == 56.25
    assert summary["Време за чакане, медиана (мин.)"][0] == 10.0  # 600 s
    assert summary["…с изтекъл срок и без отговор"][0] == 1
    by_category = list(book["by_category"].iter_rows(min_row=3, values_only=True))
    civil = next(r for r in by_category if r[0] == "Гражданско състояние")
    assert civil[1:4] == (2, 4.5, 87.5)


def test_charts_are_real_pngs(outputs) -> None:
    assert len(outputs.charts) == 5
    for chart in outputs.charts:
        with Image.open(chart) as image:
            assert image.format == "PNG" and image.size == (960, 504)
            assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20  # not blank


def test_cli_report_and_demo_seed(tmp_path: Path) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    assert main(["--config", str(toml), "db", "upgrade"]) == 0
    assert (
        main(["--config", str(toml), "demo", "seed", "--days", "10", "--tickets-per-day", "20"])
        == 0
    )
    # a second seeding would collide with the first's ticket numbers: refused
    assert main(["--config", str(toml), "demo", "seed", "--days", "10"]) == 1
    today = dt.datetime.now(SOFIA_TZ).date()
    out = tmp_path / "out"
    code = main(
        [
            "--config",
            str(toml),
            "report",
            "--period",
            f"{today.year}",
            "--out",
            str(out),
            "--no-pdf",
        ]
    )
    assert code == 0
    html = (out / f"report-{today.year}.html").read_text(encoding="utf-8")
    assert "Доклад за удовлетвореността на потребителите и обслужването" in html
    assert sorted(p.suffix for p in out.iterdir()) == [".html", *[".png"] * 5, ".xlsx"]
