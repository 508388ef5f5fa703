"""The compiled catalogue kept beside each .po (kiosk/i18n.py): used while it was made from
that very .po, made again when the .po changed or the file is garbled, and never needed
where the code's directory cannot be written."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import i18n
from tests.support import small_disk

REPO = Path(__file__).resolve().parent.parent

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: bg\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Take a ticket"
msgstr "{take}"

msgid "{n} person ahead"
msgid_plural "{n} people ahead"
msgstr[0] "{n} човек преди вас"
msgstr[1] "{n} души преди вас"
"""


def _write_package(where: Path, take: str = "Вземете билет") -> str:
    """A package of its own name under `where`, with a Bulgarian catalogue."""
    name = f"catalogue_{uuid.uuid4().hex[:8]}"
    (where / name / "locale").mkdir(parents=True)
    (where / name / "__init__.py").write_text("")
    (where / name / "locale" / "bg.po").write_text(PO.replace("{take}", take), encoding="utf-8")
    return name


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A package's name and its locale directory, importable for this test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    name = _write_package(tmp_path)
    yield name, tmp_path / name / "locale"
    i18n.translations.cache_clear()


def _caches(locale: Path) -> list[Path]:
    return sorted((locale / "__pycache__").glob("*.mo"))


def _fresh_start(where: Path, package: str) -> list[str]:
    """A new process's translations of the package, and whether it imported Babel."""
    code = (
        "import sys\nfrom kiosk.i18n import translations\n"
        f"t = translations('bg', {package!r})\n"
        "print(t.gettext('Take a ticket')); print(t.ngettext('{n} person ahead', "
        "'{n} people ahead', 3)); print('babel' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{where}:{REPO}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.splitlines()


def test_the_first_use_keeps_the_catalogue_and_a_later_start_reads_it_without_babel(
    tmp_path: Path,
) -> None:
    # GIVEN a package whose catalogue was never compiled
    name = _write_package(tmp_path)
    locale = tmp_path / name / "locale"
    # WHEN a process first translates THEN it compiles with Babel and keeps the result
    assert _fresh_start(tmp_path, name) == ["Вземете билет", "{n} души преди вас", "True"]
    (cache,) = _caches(locale)
    assert cache.name.startswith("bg.") and cache.stat().st_size > 0
    assert cache.stat().st_mode & 0o777 == (locale / "bg.po").stat().st_mode & 0o777
    # WHEN the next one starts THEN it reads the kept catalogue and never imports Babel
    assert _fresh_start(tmp_path, name) == ["Вземете билет", "{n} души преди вас", "False"]
    assert _caches(locale) == [cache]


def test_an_edited_po_is_compiled_again_and_the_old_cache_removed(
    package: tuple[str, Path],
) -> None:
    name, locale = package
    assert i18n.translations("bg", name).gettext("Take a ticket") == "Вземете билет"
    (old,) = _caches(locale)
    # GIVEN the .po edited after its catalogue was kept
    po = locale / "bg.po"
    po.write_text(PO.replace("{take}", "Вземете номер"), encoding="utf-8")
    i18n.translations.cache_clear()  # as a new start
    # WHEN translated again THEN the text is the edited one, from a new cache
    assert i18n.translations("bg", name).gettext("Take a ticket") == "Вземете номер"
    (new,) = _caches(locale)
    assert new != old and not old.exists()


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\xde\x12", b"not a catalogue at all" * 10, "cut short"],
    ids=["empty", "too short", "not a catalogue", "cut short"],
)
def test_a_garbled_cache_is_compiled_again(
    package: tuple[str, Path], garbage: bytes | str, caplog: pytest.LogCaptureFixture
) -> None:
    name, locale = package
    i18n.translations("bg", name)
    (cache,) = _caches(locale)
    good = cache.read_bytes()
    # GIVEN the kept catalogue garbled (a failing disk; the atomic write leaves no half file)
    cache.write_bytes(good[: len(good) // 2] if garbage == "cut short" else garbage)
    i18n.translations.cache_clear()
    # WHEN translated THEN the text is right, the garbling said in the log, the cache mended
    with caplog.at_level(logging.WARNING, logger="kiosk.i18n"):
        t = i18n.translations("bg", name)
    assert t.gettext("Take a ticket") == "Вземете билет"
    assert t.ngettext("{n} person ahead", "{n} people ahead", 1) == "{n} човек преди вас"
    assert "is unreadable" in caplog.text
    assert _caches(locale) == [cache] and cache.read_bytes() == good


def test_where_the_cache_cannot_be_made_the_catalogue_is_compiled_in_memory(
    package: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    name, locale = package
    # GIVEN no directory can be made for the cache (a file is where it would be)
    (locale / "__pycache__").write_text("")
    # WHEN translated THEN the text is right and the log says each start will compile
    with caplog.at_level(logging.WARNING, logger="kiosk.i18n"):
        assert i18n.translations("bg", name).gettext("Take a ticket") == "Вземете билет"
    assert "not kept" in caplog.text
    assert (locale / "__pycache__").read_text() == ""


def test_on_a_read_only_file_system_the_catalogue_still_translates(tmp_path: Path) -> None:
    # GIVEN the package on a real file system mounted read-only, as /opt is to the services
    with small_disk(tmp_path / "disk") as disk:
        name = _write_package(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            # WHEN a process translates THEN it does, from the .po compiled in memory
            assert _fresh_start(disk, name) == ["Вземете билет", "{n} души преди вас", "True"]
            assert not (disk / name / "locale" / "__pycache__").exists()
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)


def test_compile_catalogues_keeps_every_packages_catalogue(package: tuple[str, Path]) -> None:
    name, locale = package
    # WHEN the installer compiles THEN each .po has its cache, the one a start reads
    (written,) = i18n.compile_catalogues((name,))
    assert _caches(locale) == [written]
    made = written.stat()
    assert i18n.translations("bg", name).gettext("Take a ticket") == "Вземете билет"
    assert _caches(locale) == [written]
    assert (written.stat().st_ino, written.stat().st_mtime_ns) == (made.st_ino, made.st_mtime_ns)


def test_the_installer_compiles_every_package_that_has_a_catalogue() -> None:
    packages = ("kiosk", "screens", "devices", "sync", "central_web", "public_web")
    with_po = {
        ".".join(po.relative_to(REPO).parts[:-2])
        for top in packages
        for po in (REPO / top).glob("**/locale/*.po")
    }
    assert "kiosk.web" in with_po
    assert with_po == set(i18n.PACKAGES)
