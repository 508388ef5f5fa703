"""How the report's keys and figures read in each language: periods, weekdays, groups, numbers."""

from __future__ import annotations

from collections.abc import Callable

from babel.dates import format_date, get_day_names
from babel.numbers import format_decimal, format_percent

from kiosk.i18n import gettext_for
from kiosk.labels import (
    CHANNELS,
    HANDLING_STEPS,
    MESSAGE_KINDS,
    NEW_MESSAGE,
    RATING_REASONS,
    SERVICE_CATEGORIES,
    label,
)
from kiosk.models import NO_CATEGORY
from kiosk.register import Status
from kiosk.reports.compute import Period

PACKAGE = "kiosk.reports"


def translator(language: str) -> Callable[[str], str]:
    return gettext_for(language, PACKAGE)


def period_text(period: Period, language: str) -> str:
    _ = translator(language)
    if period.kind == "year":
        return _("year {year}").format(year=period.start.year)
    if period.kind == "quarter":
        return _("quarter {q} of {year}").format(
            q=(period.start.month - 1) // 3 + 1, year=period.start.year
        )
    if period.kind == "day":
        return format_date(period.start, "full", locale=language)
    return format_date(period.start, "LLLL y", locale=language)


def weekday_text(weekday: int, language: str, *, short: bool = False) -> str:
    name = get_day_names("abbreviated" if short else "wide", locale=language)[weekday - 1]
    return name[:1].upper() + name[1:]  # Babel counts from Monday = 0; Bulgarian has lowercase


def category_text(code: str, language: str) -> str:
    if code == NO_CATEGORY or code not in SERVICE_CATEGORIES:
        return translator(language)("service not chosen")
    return label(SERVICE_CATEGORIES, code, language)


def reason_text(code: str, language: str) -> str:
    return label(RATING_REASONS, code, language) if code in RATING_REASONS else code


def kind_text(code: str, language: str) -> str:
    return label(MESSAGE_KINDS, code, language) if code in MESSAGE_KINDS else code


def channel_text(code: str, language: str) -> str:
    return label(CHANNELS, code, language) if code in CHANNELS else code


def step_text(kind: str, language: str) -> str:
    """A step of a message's handling, as the register's history lists it."""
    return label(HANDLING_STEPS, kind, language)


def status_text(status: str, language: str) -> str:
    """A message's status: new, or the step that moved it on last."""
    if status == Status.NEW:
        return gettext_for(language)(NEW_MESSAGE)
    return step_text(status, language)


def counter_text(site: str, counter: int | None, language: str, *, with_site: bool) -> str:
    _ = translator(language)
    text = _("Counter {n}").format(n=counter) if counter is not None else _("no counter")
    return f"{site} · {text}" if with_site else text


def number(value: float | None, language: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0", locale=language)


def percent(value: float | None, language: str) -> str:
    return "–" if value is None else format_percent(value, "#,##0.0%", locale=language)


def minutes(seconds: float | None, language: str) -> str:
    return "–" if seconds is None else number(seconds / 60, language)
