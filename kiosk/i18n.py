"""User-facing text through gettext: Bulgarian first, English; one catalogue per package.

Source strings are English; `<package>/locale/bg.po` holds the Bulgarian. The .po file
is compiled in memory with Babel on first use, so there is no build step to forget.
"""

from __future__ import annotations

import copy
import gettext
import io
from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("bg", "en")
DEFAULT_LANGUAGE = "bg"


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
    po = resources.files(package) / "locale" / f"{language}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(language: str, package: str = "kiosk") -> Callable[[str], str]:
    return translations(language, package).gettext


def ngettext_for(language: str, package: str = "kiosk") -> Callable[[str, str, int], str]:
    return translations(language, package).ngettext
