"""The catalogue through `kiosk catalog import/export`: bad files are refused by line, nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.catalog import load_catalog, parse_csv, parse_yaml, shipped_catalog, to_csv, to_yaml
from kiosk.cli import main
from kiosk.db import Database

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


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Database]:
    """A migrated site database holding the shipped catalogue, used through the CLI."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["db", "upgrade"]) == 0
    return tmp_path, Database(f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}")


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
    ],
)
def test_bad_yaml_is_refused_with_its_line_and_nothing_changes(
    site: tuple[Path, Database],
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    line: int,
    needle: str,
) -> None:
    tmp_path, db = site
    before = load_catalog(db)
    assert change[0] in GOOD
    code = _import(tmp_path, "bad.yaml", GOOD.replace(*change, 1).encode())
    err = capsys.readouterr().err
    assert code == 1
    assert "the current one is unchanged" in err
    assert f"line {line}" in err and needle in err, err
    assert load_catalog(db) == before


def test_wrong_encoding_names_the_line(
    site: tuple[Path, Database], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path, db = site
    before = load_catalog(db)
    assert _import(tmp_path, "cp1251.yaml", GOOD.encode("cp1251")) == 1
    err = capsys.readouterr().err
    assert "line 6" in err and "not UTF-8" in err  # the first Cyrillic letter is on line 6
    assert load_catalog(db) == before


def test_a_good_file_replaces_the_catalogue(site: tuple[Path, Database]) -> None:
    tmp_path, db = site
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
    site: tuple[Path, Database], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path, db = site
    csv_text = to_csv(parse_yaml(GOOD.encode()))
    # a Bulgarian spreadsheet saves "CSV UTF-8" with a BOM and semicolons
    excel = "\ufeff" + csv_text.replace(",", ";").replace("regular.fee", "regular.fee")
    assert _import(tmp_path, "excel.csv", excel.encode("utf-8")) == 0
    assert [s.id for s in load_catalog(db).services] == ["2016", "tvr-dog"]
    broken = csv_text.replace("2.56", "-1", 1)
    assert _import(tmp_path, "broken.csv", broken.encode()) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "must not be negative" in err


def test_csv_with_unknown_column_and_cp1251(
    site: tuple[Path, Database], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path, _ = site
    csv_text = to_csv(parse_yaml(GOOD.encode()))
    assert _import(tmp_path, "col.csv", csv_text.replace("source", "sauce", 1).encode()) == 1
    assert "line 1" in capsys.readouterr().err
    assert _import(tmp_path, "win.csv", csv_text.encode("cp1251")) == 1
    assert "CSV UTF-8" in capsys.readouterr().err


def test_export_then_import_round_trips(site: tuple[Path, Database]) -> None:
    tmp_path, db = site
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
