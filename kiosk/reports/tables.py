"""The report as titled tables of raw values; the workbook and the printed report format them.

Only aggregates go in: counts, shares, times. Nothing here reads a message's text or a
complainant's name, so no output built from these tables can contain them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.reports.compute import Report, Satisfaction, Times
from kiosk.reports.wording import (
    category_text,
    channel_text,
    counter_text,
    kind_text,
    reason_text,
    translator,
    weekday_text,
)

# Column kinds: text, int, dec (one decimal), pct (a fraction), share (a Share), min (seconds).


@dataclass(frozen=True)
class Column:
    title: str
    kind: str


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""


def _satisfaction_table(
    key: str, title: str, first: str, groups: list[tuple[str, Satisfaction]], language: str
) -> Table:
    _ = translator(language)
    return Table(
        key=key,
        title=title,
        columns=(
            Column(first, "text"),
            Column(_("Ratings"), "int"),
            Column(_("Average (1–5)"), "dec"),
            Column(_("Happiness index"), "dec"),
            Column(_("Satisfied (4–5)"), "share"),
            Column(_("Dissatisfied (1–2)"), "share"),
        ),
        rows=tuple(
            (name, s.count, s.mean, s.happiness, s.satisfied, s.dissatisfied)
            for name, s in groups
            if s.count
        ),
    )


def _times_table(
    key: str, title: str, first: str, groups: list[tuple[str, Times]], language: str
) -> Table:
    _ = translator(language)
    return Table(
        key=key,
        title=title,
        columns=(
            Column(first, "text"),
            Column(_("Tickets called"), "int"),
            Column(_("Wait, median (min)"), "min"),
            Column(_("Wait, 90th percentile (min)"), "min"),
            Column(_("Tickets served"), "int"),
            Column(_("Service, median (min)"), "min"),
            Column(_("Service, 90th percentile (min)"), "min"),
        ),
        rows=tuple(
            (name, t.waited, t.wait_median, t.wait_p90, t.served, t.service_median, t.service_p90)
            for name, t in groups
        ),
    )


def _summary(report: Report, language: str) -> Table:
    _ = translator(language)
    prev = report.previous
    indicators: list[tuple[str, str, Callable[[Report], Any]]] = [
        (_("Ratings counted"), "int", lambda r: r.overall.count),
        (_("Average rating (1–5)"), "dec", lambda r: r.overall.mean),
        (_("Happiness index (0–100)"), "dec", lambda r: r.overall.happiness),
        (_("Satisfied (4–5)"), "share", lambda r: r.overall.satisfied),
        (_("Dissatisfied (1–2)"), "share", lambda r: r.overall.dissatisfied),
        (_("Tickets issued"), "int", lambda r: r.tickets),
        (_("Waiting time, median (min)"), "min", lambda r: r.times.wait_median),
        (_("Waiting time, 90th percentile (min)"), "min", lambda r: r.times.wait_p90),
        (_("Service time, median (min)"), "min", lambda r: r.times.service_median),
        (_("Service time, 90th percentile (min)"), "min", lambda r: r.times.service_p90),
        (_("Called visitors who did not come"), "share", lambda r: r.no_shows),
        (
            _("Complaints, signals and suggestions received"),
            "int",
            lambda r: r.complaints.answerable,
        ),
        (_("…answered within the deadline"), "int", lambda r: r.complaints.answered_on_time),
        (_("…answered after the deadline"), "int", lambda r: r.complaints.answered_late),
        (_("…with a deadline extended in writing"), "int", lambda r: r.complaints.extended),
        (
            _("…not subject to review (anonymous or abusive)"),
            "int",
            lambda r: r.complaints.not_subject,
        ),
        (_("…overdue and not answered"), "int", lambda r: r.complaints.overdue),
    ]
    columns = [Column(_("Indicator"), "text"), Column(_("This period"), "mixed")]
    if prev is not None:
        columns.append(Column(_("Previous period"), "mixed"))
    rows = []
    for name, kind, get in indicators:
        row: list[Any] = [name, (kind, get(report))]
        if prev is not None:
            row.append((kind, get(prev)))
        rows.append(tuple(row))
    return Table("summary", _("Summary"), tuple(columns), tuple(rows))


def report_tables(report: Report, language: str) -> list[Table]:
    _ = translator(language)
    many_sites = len({site for site, _n in report.by_counter}) > 1
    reasons_total = report.overall.count
    heat_hours = sorted({h for _wd, h in report.heat})
    messages_received = sorted(report.complaints.received.items())
    return [
        _summary(report, language),
        _satisfaction_table(
            "by_category",
            _("Ratings by service category"),
            _("Service category"),
            sorted(((category_text(k, language), s) for k, s in report.by_category.items())),
            language,
        ),
        _satisfaction_table(
            "by_counter",
            _("Ratings by counter"),
            _("Counter"),
            [
                (
                    counter_text(site, n, language, with_site=many_sites),
                    report.by_counter[(site, n)],
                )
                for site, n in sorted(
                    report.by_counter, key=lambda k: (k[0], k[1] is None, k[1] or 0)
                )
            ],
            language,
        ),
        _satisfaction_table(
            "by_hour",
            _("Ratings by hour of day"),
            _("Hour"),
            [(f"{h}:00–{h + 1}:00", report.by_hour[h]) for h in sorted(report.by_hour)],
            language,
        ),
        _satisfaction_table(
            "by_weekday",
            _("Ratings by weekday"),
            _("Weekday"),
            [(weekday_text(d, language), report.by_weekday[d]) for d in sorted(report.by_weekday)],
            language,
        ),
        Table(
            "reasons",
            _("Reasons chosen after a rating"),
            (
                Column(_("Reason"), "text"),
                Column(_("Times chosen"), "int"),
                Column(_("Share of ratings"), "pct"),
            ),
            tuple(
                (reason_text(k, language), n, n / reasons_total if reasons_total else None)
                for k, n in report.reasons.items()
            ),
        ),
        _times_table(
            "times_by_category",
            _("Waiting and service time by service category"),
            _("Service category"),
            sorted((category_text(k, language), t) for k, t in report.times_by_category.items()),
            language,
        ),
        _times_table(
            "times_by_hour",
            _("Waiting and service time by hour of issue"),
            _("Hour"),
            [(f"{h}:00–{h + 1}:00", report.times_by_hour[h]) for h in sorted(report.times_by_hour)],
            language,
        ),
        Table(
            "heat_map",
            _("Tickets per hour on an average day"),
            (Column(_("Weekday"), "text"), *(Column(f"{h}:00", "dec") for h in heat_hours)),
            tuple(
                (weekday_text(d, language), *(report.tickets_per_day(d, h) for h in heat_hours))
                for d in sorted(report.days_by_weekday)
            ),
        ),
        Table(
            "messages",
            _("Written messages received"),
            (Column(_("Kind"), "text"), Column(_("Received"), "int")),
            tuple((kind_text(k, language), n) for k, n in messages_received),
            note=_(
                "Complaint figures are as at {date}; the texts of messages and the personal "
                "data of those who wrote them are not published."
            ).format(date=report.as_of.strftime("%d.%m.%Y")),
        ),
        Table(
            "messages_by_channel",
            _("Written messages by channel"),
            (Column(_("Channel"), "text"), Column(_("Received"), "int")),
            tuple(
                (channel_text(k, language), n)
                for k, n in sorted(report.complaints.by_channel.items())
            ),
        ),
    ]
