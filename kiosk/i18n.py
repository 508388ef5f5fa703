"""User-facing text through gettext: Bulgarian first, English; one catalogue per package.

Source strings are English; `<package>/locale/bg.po` holds the Bulgarian. There is no build
step to forget: the .po file is compiled with Babel on first use, and the compiled catalogue
is kept beside it as `locale/__pycache__/bg.<hash of the .po>.mo`, as Python keeps its .pyc,
so a later start skips Babel (importing it and parsing the .po cost the touchscreen some
100 ms before its first frame). The hash names the .po it was made from: an edited .po is
compiled again, never read stale. The installer compiles every catalogue once
(`compile_catalogues`), because the running services may not write to the installed code
(systemd's ProtectSystem=strict). A file that does not read as a catalogue is compiled
again; where the directory cannot be written, the .po is compiled in memory at each start.
"""

from __future__ import annotations

import contextlib
import copy
import gettext
import hashlib
import io
import logging
import os
import struct
import tempfile
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

LANGUAGES = ("bg", "en")
DEFAULT_LANGUAGE = "bg"
#: the packages that have a catalogue, for the installer's `compile_catalogues`
PACKAGES = (
    "kiosk",
    "kiosk.web",
    "kiosk.reports",
    "screens",
    "devices",
    "central_web",
    "public_web",
)

log = logging.getLogger(__name__)


@cache
def translations(
    language: str, package: str = "kiosk", *fallbacks: str
) -> gettext.NullTranslations:
    """The translations of one package's strings into a language (English is the source);
    a string it lacks is looked up in the `fallbacks` packages' catalogues, in order."""
    if fallbacks:
        first = copy.copy(translations(language, package))
        first.add_fallback(translations(language, *fallbacks))
        return first
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    po = _po(package, language)
    if not po.is_file():
        return gettext.NullTranslations()
    return _catalogue(po, language)


def compile_catalogues(packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    """Compile every language's catalogue of `packages` into its cache (the installer runs
    this as root, into the release's code); the files that hold them now (one that could
    not be written is logged, and missing here)."""
    written = []
    for package in packages:
        for language in LANGUAGES:
            po = _po(package, language)
            if po.is_file():
                _catalogue(po, language)
                cache = _cache_of(po, po.read_bytes(), language)
                if cache.is_file():
                    written.append(cache)
    return written


def _po(package: str, language: str) -> Path:
    return Path(str(resources.files(package) / "locale" / f"{language}.po"))


def _cache_of(po: Path, source: bytes, language: str) -> Path:
    digest = hashlib.sha256(source).hexdigest()[:16]
    return po.parent / "__pycache__" / f"{language}.{digest}.mo"


def _catalogue(po: Path, language: str) -> gettext.GNUTranslations:
    """The catalogue of `po` from its cache if that was made from this very .po and reads as
    a catalogue (one cut short or garbled by a failing disk is made again, not shown as
    missing text); else compiled now, and cached where the directory may be written."""
    source = po.read_bytes()
    cached = _cache_of(po, source, language)
    try:
        with cached.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, LookupError, struct.error) as exc:
        log.warning("compiled catalogue %s is unreadable (%s): compiling %s again", cached, exc, po)
    mo = _compile(source, language)
    try:
        _write_atomically(cached, mo, mode=po.stat().st_mode & 0o666)
    except OSError as exc:
        log.warning("compiled catalogue not kept (%s): each start compiles %s", exc, po)
    return gettext.GNUTranslations(io.BytesIO(mo))


def _compile(source: bytes, language: str) -> bytes:
    # Babel is imported only here: a start with its catalogues cached never loads it
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    write_mo(buffer, read_po(io.BytesIO(source), locale=language))
    return buffer.getvalue()


def _write_atomically(target: Path, data: bytes, *, mode: int) -> None:
    """`data` renamed into place, so a reader finds the whole catalogue or none; the caches
    of the same language made from older .po files are removed."""
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        os.chmod(tmp, mode)  # as the .po's: the services' user reads what root compiled
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    language = target.name.partition(".")[0]
    for old in target.parent.glob(f"{language}.*.mo"):
        if old != target:
            with contextlib.suppress(OSError):
                old.unlink()


def gettext_for(language: str, package: str = "kiosk") -> Callable[[str], str]:
    return translations(language, package).gettext


def ngettext_for(language: str, package: str = "kiosk") -> Callable[[str, str, int], str]:
    return translations(language, package).ngettext
