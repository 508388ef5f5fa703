"""The catalogue through `kiosk catalog import/export`: bad files are refused by line, nothing changes."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog, parse_csv, parse_yaml, shipped_catalog, to_csv, to_yaml
from kiosk.cli import main
from kiosk.db import Database
from kiosk.labels import deadline_text
from kiosk.search import SearchIndex

GOOD = """\
revision: 3
services:
  - id: "2016"
    iisda: 2016
    category: civil_status
    name_bg: Издаване на удостоверение за наследници
    name_en: Issuing a certificate of heirs
    documents_bg:
      - Заявление
    documents_en:
      - Application
    counter_group: grao
    delivery:
      regular: {fee: "2.56", deadline: "7d"}
      express: {fee: "10.23", deadline: "24h"}
    unconfirmed: [regular.fee]
    source: test
  - id: tvr-dog
    category: agriculture
    name_bg: Регистрация на куче
    name_en: Dog registration
    counter_group: agriculture
    delivery:
      regular: {fee: "0.00", deadline: now}
    source: test
"""


@pytest.fixture(scope="module")
def upgraded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kiosk db upgrade` run once: a migrated SQLite file holding the shipped catalogue."""
    folder = tmp_path_factory.mktemp("template")
    config = folder / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{folder}"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    return folder / "kiosk.sqlite"


@pytest.fixture
def cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upgraded_file: Path
) -> Iterator[Database]:
    """A copy of that site database in `tmp_path`, used through the CLI."""
    (tmp_path / "var").mkdir()
    shutil.copyfile(upgraded_file, tmp_path / "var" / "kiosk.sqlite")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    db = Database(f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}")
    yield db
    db.dispose()


def _import(tmp_path: Path, name: str, data: bytes) -> int:
    path = tmp_path / name
    path.write_bytes(data)
    return main(["catalog", "import", str(path)])


@pytest.mark.parametrize(
    ("change", "line", "needle"),
    [
        (
            ("    counter_group: grao\n", "    counter_group: grao\n    fees: 3\n"),
            13,
            "fees: unknown field",
        ),
        (("    name_en: Dog registration\n", ""), 18, "name_en: missing"),
        (('fee: "2.56"', 'fee: "-2.56"'), 14, "must not be negative"),
        (('"7d"', '"7 days"'), 14, "use 7d (days)"),
        (("id: tvr-dog", 'id: "2016"'), 18, "used twice (first at line 3)"),
        (("category: agriculture", "category: farming"), 19, "not one of"),
        (("    documents_en:\n      - Application\n", ""), 3, "documents_en: has 0 documents"),
        (("  - id: tvr-dog", "  - id: tvr-dog\n  bad"), 19, "not valid YAML"),
        (
            (
                "    name_en: Dog registration\n",
                "    name_en: Dog registration\n    name_en: Dogs\n",
            ),
            22,
            "name_en: given twice (first at line 21)",
        ),
        (('fee: "0.00"', "fee: .nan"), 24, "fee must be an amount in euro"),
        (('fee: "0.00"', "fee: 1e9"), 24, "fee must be less than 1000000 euro"),
        (("revision: 3", "revison: 3"), 1, "revison: unknown key at the top"),
        (
            (
                "    name_en: Issuing a certificate of heirs\n",
                "    name_en: Issuing a certificate of heirs\n    keywords_bg: смет\n",
            ),
            8,
            "keywords_bg: must be a list of words or short phrases",
        ),
    ],
)
def test_bad_yaml_is_refused_with_its_line_and_nothing_changes(
    tmp_path: Path,
    cli_db: Database,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    line: int,
    needle: str,
) -> None:
    db = cli_db
    before = load_catalog(db)
    assert change[0] in GOOD
    code = _import(tmp_path, "bad.yaml", GOOD.replace(*change, 1).encode())
    err = capsys.readouterr().err
    assert code == 1
    assert "the current one is unchanged" in err
    assert f"line {line}" in err and needle in err, err
    assert load_catalog(db) == before


def test_wrong_encoding_names_the_line(
    tmp_path: Path, cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cli_db
    before = load_catalog(db)
    assert _import(tmp_path, "cp1251.yaml", GOOD.encode("cp1251")) == 1
    err = capsys.readouterr().err
    assert "line 6" in err and "not UTF-8" in err  # the first Cyrillic letter is on line 6
    assert load_catalog(db) == before


def test_a_good_file_replaces_the_catalogue(tmp_path: Path, cli_db: Database) -> None:
    db = cli_db
    assert len(load_catalog(db).services) == len(shipped_catalog().services)
    assert _import(tmp_path, "good.yaml", GOOD.encode()) == 0
    doc = load_catalog(db)
    assert doc.revision == 3
    assert [s.id for s in doc.services] == ["2016", "tvr-dog"]
    heirs = doc.services[0]
    assert [(d.speed, d.fee_cents, d.deadline) for d in heirs.delivery] == [
        ("regular", 256, "7d"),
        ("express", 1023, "24h"),
    ]
    assert not heirs.is_confirmed("regular", "fee") and heirs.is_confirmed("express", "fee")


def test_spreadsheet_csv_with_bom_and_semicolons(
    tmp_path: Path, cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cli_db
    csv_text = to_csv(parse_yaml(GOOD.encode()))
    # a Bulgarian spreadsheet saves "CSV UTF-8" with a BOM and semicolons
    excel = "\ufeff" + csv_text.replace(",", ";")
    assert _import(tmp_path, "excel.csv", excel.encode("utf-8")) == 0
    assert [s.id for s in load_catalog(db).services] == ["2016", "tvr-dog"]
    broken = csv_text.replace("2.56", "-1", 1)
    assert _import(tmp_path, "broken.csv", broken.encode()) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "must not be negative" in err


def test_csv_with_unknown_column_and_cp1251(
    tmp_path: Path, cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_text = to_csv(parse_yaml(GOOD.encode()))
    assert _import(tmp_path, "col.csv", csv_text.replace("source", "sauce", 1).encode()) == 1
    assert "line 1" in capsys.readouterr().err
    assert _import(tmp_path, "win.csv", csv_text.encode("cp1251")) == 1
    assert "CSV UTF-8" in capsys.readouterr().err


def _excel(rows: list[list[str]]) -> bytes:
    """Rows as a Bulgarian Excel saves "CSV UTF-8": BOM, semicolons, CRLF, decimal commas."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet() -> list[list[str]]:
    """GOOD as spreadsheet rows; the first service's documents take two lines in their cells."""
    rows = list(csv.reader(io.StringIO(to_csv(parse_yaml(GOOD.encode())))))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    first["documents_bg"] += "\nЛична карта"
    first["documents_en"] += "\nIdentity card"
    first["regular_fee"] = first["regular_fee"].replace(".", ",")
    return [header, [first[c] for c in header], rows[2]]


def _cell(rows: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    rows[row][rows[0].index(column)] = value
    return rows


# The header is line 1; the first service spans lines 2–4 (its document cells hold a line
# break each), so the second service starts on line 5.
@pytest.mark.parametrize(
    ("edit", "line", "needle"),
    [
        (lambda r: _cell(r, 0, "source", "sauce"), 1, "sauce: unknown column"),
        (lambda r: [row[:-1] for row in r], 1, "source: required column is missing"),
        (lambda r: _cell(r, 0, "who_bg", "name_bg"), 1, "name_bg: column given twice"),
        (lambda r: _cell(r, 2, "name_en", ""), 5, "name_en: missing"),
        (lambda r: _cell(r, 2, "regular_fee", "-1,50"), 5, "must not be negative"),
        (lambda r: _cell(r, 1, "express_fee", "десет"), 2, "an amount in euro"),
        (lambda r: _cell(r, 2, "id", "2016"), 5, "used twice (first at line 2)"),
        (lambda r: [*r[:2], [*r[2], "x"]], 5, "1 more cells than the header"),
    ],
)
def test_bad_spreadsheet_csv_is_refused_with_its_line_and_nothing_changes(
    tmp_path: Path,
    cli_db: Database,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[list[list[str]]], list[list[str]]],
    line: int,
    needle: str,
) -> None:
    db = cli_db
    assert _import(tmp_path, "good.csv", _excel(_sheet())) == 0  # the unedited sheet is good
    before = load_catalog(db)
    assert [len(s.documents) for s in before.services] == [2, 0]
    assert _import(tmp_path, "bad.csv", _excel(edit(_sheet()))) == 1
    err = capsys.readouterr().err
    assert "the current one is unchanged" in err
    assert f"bad.csv: line {line}" in err and needle in err, err
    assert load_catalog(db) == before


def test_csv_in_windows_1251_names_the_first_cyrillic_line(
    tmp_path: Path, cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cli_db
    before = load_catalog(db)
    data = _excel(_sheet()).decode("utf-8").lstrip("\ufeff").encode("cp1251")
    assert _import(tmp_path, "win.csv", data) == 1
    err = capsys.readouterr().err
    assert "win.csv: line 2" in err and "CSV UTF-8" in err  # the header is plain ASCII
    assert load_catalog(db) == before


def test_empty_rows_a_spreadsheet_leaves_are_ignored(tmp_path: Path, cli_db: Database) -> None:
    db = cli_db
    rows = _sheet()
    blank = [""] * len(rows[0])
    assert _import(tmp_path, "tail.csv", _excel([rows[0], rows[1], blank, rows[2], blank])) == 0
    assert [s.id for s in load_catalog(db).services] == ["2016", "tvr-dog"]


def test_export_then_import_round_trips(tmp_path: Path, cli_db: Database) -> None:
    db = cli_db
    original = load_catalog(db)
    for fmt in ("yaml", "csv"):
        out = tmp_path / f"export.{fmt}"
        assert main(["catalog", "export", "--format", fmt, "--out", str(out)]) == 0
        assert main(["catalog", "import", str(out)]) == 0
        assert load_catalog(db).services == original.services


def test_shipped_catalogue_is_valid_and_large_enough() -> None:
    doc = shipped_catalog()
    assert len(doc.services) >= 40
    assert parse_yaml(to_yaml(doc).encode()).services == doc.services
    assert parse_csv(to_csv(doc).encode()).services == doc.services
    assert all(s.source for s in doc.services)


def test_the_charter_month_for_complaints_is_a_month_not_thirty_days() -> None:
    complaints = next(s for s in shipped_catalog().services if s.id == "tvr-complaints")
    (regular,) = complaints.delivery
    assert regular.deadline == "1m"
    assert deadline_text(regular.deadline, "bg") == "1 месец"
    assert deadline_text("2m", "bg") == "2 месеца"
    assert deadline_text("1m", "en") == "1 month"
    assert deadline_text("14wd", "en") == "14 working days"


def test_keywords_are_catalogue_data_the_secretary_edits(
    tmp_path: Path,
    cli_db: Database,
) -> None:
    # GIVEN the exported spreadsheet, WHEN the secretary adds everyday words to a service
    db = cli_db
    out = tmp_path / "export.csv"
    assert main(["catalog", "export", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header = rows[0]
    assert {"keywords_bg", "keywords_en"} <= set(header)
    dog = next(r for r in rows if r[0] == "tvr-dog-registration")
    assert "куче" in dog[header.index("keywords_bg")].split(", ")
    dog[header.index("keywords_bg")] = "куче, шарко, чипиране"
    _write_csv(out, rows)
    assert main(["catalog", "import", str(out)]) == 0
    # THEN the catalogue keeps them and search finds the service by them
    service = next(s for s in load_catalog(db).services if s.id == "tvr-dog-registration")
    assert service.keywords_bg == ("куче", "шарко", "чипиране")
    assert SearchIndex(load_catalog(db).services).search("шарко").hits[0].service == service


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
