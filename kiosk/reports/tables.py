"""The report as titled tables of raw values; the workbook and the printed report format them.

Only aggregates go in: counts, shares, times. Nothing here reads a message's text or a
complainant's name, so no output built from these tables can contain them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.reports.compute import Complaints, Report, Satisfaction, Share, Times
from kiosk.reports.wording import (
    category_text,
    channel_text,
    counter_text,
    kind_text,
    reason_text,
    translator,
    weekday_text,
)
from kiosk.reports.yearly import AfterClosing, Year, YearlyReport
from kiosk.vocabulary import MessageKind

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


# --- the yearly report (kiosk.reports.yearly) ---------------------------------------------
# Each figure stands beside last year's and the change: a "change" cell holds the kind of
# its figures and the difference (for shares, in percentage points).


def _value(kind: str, figure: Any) -> float | None:
    if kind == "share":
        return figure.value
    return None if figure is None else float(figure)


def _change(kind: str, this: Any, last: Any) -> tuple[str, tuple[str, float | None]]:
    now, before = _value(kind, this), _value(kind, last)
    delta = None if now is None or before is None else now - before
    return ("change", ("pct" if kind == "share" else kind, delta))


def _compared(kind: str, this: Any, last: Any) -> tuple[Any, ...]:
    return ((kind, this), (kind, last), _change(kind, this, last))


def _year_columns(language: str, first: str, *extra: Column) -> tuple[Column, ...]:
    _ = translator(language)
    return (
        Column(first, "text"),
        *extra,
        Column(_("This year"), "mixed"),
        Column(_("Last year"), "mixed"),
        Column(_("Change"), "mixed"),
    )


def _yearly_summary(report: YearlyReport, language: str) -> Table:
    _ = translator(language)
    indicators: list[tuple[str, str, Callable[[Year], Any]]] = [
        (_("Ratings counted"), "int", lambda y: y.report.overall.count),
        (_("Happiness index (0–100)"), "dec", lambda y: y.report.overall.happiness),
        (_("Average rating (1–5)"), "dec", lambda y: y.report.overall.mean),
        (_("Satisfied (4–5)"), "share", lambda y: y.report.overall.satisfied),
        (_("Dissatisfied (1–2)"), "share", lambda y: y.report.overall.dissatisfied),
        (_("Tickets issued"), "int", lambda y: y.report.tickets),
        (_("Called within 20 minutes"), "share", lambda y: y.within_standard),
        (_("Waiting time, median (min)"), "min", lambda y: y.report.times.wait_median),
        (_("Written messages received"), "int", lambda y: y.messages),
        (
            _("…of them praise"),
            "int",
            lambda y: y.report.complaints.received.get(MessageKind.PRAISE, 0),
        ),
        (
            _("Complaints, signals and suggestions received"),
            "int",
            lambda y: y.report.complaints.answerable,
        ),
        (_("…answered within the deadline"), "int", lambda y: y.report.complaints.answered_on_time),
        (_("…overdue and not answered"), "int", lambda y: y.report.complaints.overdue),
        (
            _("Days served after closing"),
            "int",
            lambda y: sum(a.days_after for a in y.after_closing.values()),
        ),
    ]
    return Table(
        "summary",
        _("Summary"),
        _year_columns(language, _("Indicator")),
        tuple(
            (name, *_compared(kind, get(report.this), get(report.last)))
            for name, kind, get in indicators
        ),
    )


def _satisfaction_compared(
    key: str,
    title: str,
    first: str,
    this: dict[Any, Satisfaction],
    last: dict[Any, Satisfaction],
    name: Callable[[Any], str],
    language: str,
) -> Table:
    _ = translator(language)
    empty = Satisfaction({})
    keys = sorted(set(this) | set(last))
    return Table(
        key,
        title,
        (
            Column(first, "text"),
            Column(_("Ratings"), "int"),
            Column(_("Happiness index"), "dec"),
            Column(_("Last year"), "dec"),
            Column(_("Satisfied (4–5)"), "share"),
            Column(_("Last year"), "share"),
            Column(_("Change"), "mixed"),
        ),
        tuple(
            (
                name(k),
                (now := this.get(k, empty)).count,
                now.happiness,
                (before := last.get(k, empty)).happiness,
                now.satisfied,
                before.satisfied,
                _change("share", now.satisfied, before.satisfied),
            )
            for k in keys
        ),
    )


def _messages_compared(
    key: str,
    title: str,
    first: str,
    this: dict[tuple[str, str], int],
    last: dict[tuple[str, str], int],
    name: Callable[[str], str],
    language: str,
) -> Table:
    kinds = [k for k in MessageKind if any(kind == k for kind, _g in (*this, *last))]
    groups = sorted({g for _k, g in (*this, *last)})

    def total(counts: dict[tuple[str, str], int], group: str) -> int:
        return sum(n for (_k, g), n in counts.items() if g == group)

    return Table(
        key,
        title,
        _year_columns(language, first, *(Column(kind_text(k, language), "int") for k in kinds)),
        tuple(
            (
                name(g),
                *(this.get((k, g), 0) for k in kinds),
                *_compared("int", total(this, g), total(last, g)),
            )
            for g in groups
        ),
    )


def _within_compared(
    key: str,
    title: str,
    first: str,
    this: dict[Any, Share],
    last: dict[Any, Share],
    name: Callable[[Any], str],
    language: str,
) -> Table:
    _ = translator(language)
    empty = Share(0, 0)
    return Table(
        key,
        title,
        _year_columns(language, first, Column(_("Tickets called"), "int")),
        tuple(
            (
                name(k),
                this.get(k, empty).total,
                *_compared("share", this.get(k, empty), last.get(k, empty)),
            )
            for k in sorted(set(this) | set(last))
        ),
    )


def _deadlines(report: YearlyReport, language: str) -> Table:
    _ = translator(language)
    outcomes: list[tuple[str, Callable[[Complaints], int]]] = [
        (_("Received (complaints, signals, suggestions)"), lambda c: c.answerable),
        (_("Answered within the deadline"), lambda c: c.answered_on_time),
        (_("Answered after the deadline"), lambda c: c.answered_late),
        (_("Deadline extended in writing"), lambda c: c.extended),
        (_("Not subject to review (anonymous or abusive)"), lambda c: c.not_subject),
        (_("Open past the deadline"), lambda c: c.overdue),
        (_("Open, not yet due"), lambda c: c.open_not_due),
    ]
    this, last = report.this.report.complaints, report.last.report.complaints
    return Table(
        "deadlines",
        _("Handling within the deadlines"),
        _year_columns(language, _("Outcome")),
        tuple((name, *_compared("int", get(this), get(last))) for name, get in outcomes),
        note=_("States as at {date}, for the messages of each year.").format(
            date=report.as_of.strftime("%d.%m.%Y")
        ),
    )


def _after_closing(report: YearlyReport, language: str) -> Table:
    _ = translator(language)
    none = AfterClosing(0, 0, None, None)
    sites = sorted(set(report.this.after_closing) | set(report.last.after_closing))
    return Table(
        "after_closing",
        _("Serving after closing time"),
        (
            Column(_("Site"), "text"),
            Column(_("Days with visitors"), "int"),
            Column(_("Days served after closing"), "int"),
            Column(_("Last year"), "int"),
            Column(_("After closing, median (min)"), "dec"),
            Column(_("Longest (min)"), "dec"),
            Column(_("Last year's longest (min)"), "dec"),
        ),
        tuple(
            (
                site,
                (now := report.this.after_closing.get(site, none)).days,
                now.days_after,
                (before := report.last.after_closing.get(site, none)).days_after,
                now.median_min,
                now.longest_min,
                before.longest_min,
            )
            for site in sites
        ),
        note=_(
            "Visitors present at closing time ({time}) are served (Regulation on Administrative "
            "Service, art. 10(4)): a day counts when the last visitor's service ended after it."
        ).format(time=report.closing.strftime("%H:%M")),
    )


def yearly_tables(report: YearlyReport, language: str) -> list[Table]:
    _ = translator(language)
    this, last = report.this, report.last

    def hour(h: int) -> str:
        return f"{h}:00–{h + 1}:00"

    def site(s: str) -> str:
        return s

    def category(c: str) -> str:
        return category_text(c, language)

    return [
        _yearly_summary(report, language),
        _satisfaction_compared(
            "by_site",
            _("Satisfaction by site"),
            _("Site"),
            this.by_site,
            last.by_site,
            site,
            language,
        ),
        _satisfaction_compared(
            "by_category",
            _("Satisfaction by service category"),
            _("Service category"),
            this.report.by_category,
            last.report.by_category,
            category,
            language,
        ),
        _messages_compared(
            "by_channel",
            _("Messages by channel"),
            _("Channel"),
            this.messages_by_channel,
            last.messages_by_channel,
            lambda c: channel_text(c, language),
            language,
        ),
        _messages_compared(
            "by_theme",
            _("Messages by theme"),
            _("Theme (service category)"),
            this.messages_by_theme,
            last.messages_by_theme,
            category,
            language,
        ),
        _deadlines(report, language),
        _within_compared(
            "within_by_site",
            _("Called within 20 minutes, by site"),
            _("Site"),
            this.within_by_site,
            last.within_by_site,
            site,
            language,
        ),
        _within_compared(
            "within_by_category",
            _("Called within 20 minutes, by service category"),
            _("Service category"),
            this.within_by_category,
            last.within_by_category,
            category,
            language,
        ),
        _within_compared(
            "within_by_hour",
            _("Called within 20 minutes, by hour of issue"),
            _("Hour"),
            this.within_by_hour,
            last.within_by_hour,
            hour,
            language,
        ),
        _after_closing(report, language),
    ]
