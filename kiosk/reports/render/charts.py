"""The report's charts as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from kiosk.reports.compute import Report
from kiosk.reports.wording import (
    category_text,
    translator,
    weekday_text,
)
from kiosk.reports.yearly import YearlyReport

FACE_COLOURS = {1: "#c0392b", 2: "#e67e22", 3: "#f1c40f", 4: "#7dbb42", 5: "#2e8b57"}
INK = "#2c3e50"
ACCENT = "#2f6f9f"
SIZE = (8, 4.2)
DPI = 120


def _figure() -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=SIZE, dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=INK)
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def faces_chart(report: Report, path: Path, language: str) -> Path:
    """Share of each face this period and the previous one."""
    _ = translator(language)
    fig, ax = _figure()
    periods = [(report, _("this period"))]
    if report.previous is not None:
        periods.append((report.previous, _("previous period")))
    width = 0.36
    for i, (rep, _name) in enumerate(periods):
        n = rep.overall.count or 1
        shares = [100 * rep.overall.faces.get(s, 0) / n for s in range(1, 6)]
        xs = [s + (i - 0.5) * width if len(periods) > 1 else s for s in range(1, 6)]
        bars = ax.bar(
            xs,
            shares,
            width,
            color=[FACE_COLOURS[s] for s in range(1, 6)],
            alpha=1.0 if i == 0 else 0.4,
            edgecolor=INK if i == 0 else "none",
            linewidth=0.6,
        )
        ax.bar_label(bars, fmt="%.0f%%", fontsize=8, color=INK, padding=2)
    if len(periods) > 1:
        # the faces have their own colours: the legend shows only solid against pale
        ax.legend(
            handles=[
                Patch(facecolor="#7f8c8d", edgecolor=INK, linewidth=0.6, label=periods[0][1]),
                Patch(facecolor="#7f8c8d", alpha=0.4, label=periods[1][1]),
            ],
            frameon=False,
        )
    ax.set_xticks(range(1, 6), [_("1 very bad"), "2", "3", "4", _("5 very good")])
    ax.set_ylabel(_("share of ratings, %"))
    ax.set_title(_("Ratings by face"), color=INK, loc="left")
    return _save(fig, path)


def happiness_by_hour_chart(report: Report, path: Path, language: str) -> Path:
    _ = translator(language)
    fig, ax = _figure()
    hours = sorted(h for h, s in report.by_hour.items() if s.count)
    values = [report.by_hour[h].happiness for h in hours]
    bars = ax.bar(hours, values, 0.7, color=ACCENT)
    ax.bar_label(bars, fmt="%.0f", fontsize=8, color=INK, padding=2)
    ax.set_ylim(0, 105)
    ax.set_xticks(hours, [f"{h}:00" for h in hours])
    ax.set_ylabel(_("happiness index (0–100)"))
    ax.set_title(_("Happiness index by hour of day"), color=INK, loc="left")
    return _save(fig, path)


def waiting_by_hour_chart(report: Report, path: Path, language: str) -> Path:
    _ = translator(language)
    fig, ax = _figure()
    hours = sorted(report.times_by_hour)
    medians = [(report.times_by_hour[h].wait_median or 0) / 60 for h in hours]
    p90 = [(report.times_by_hour[h].wait_p90 or 0) / 60 for h in hours]
    ax.plot(hours, p90, marker="o", color="#c0392b", label=_("90th percentile"))
    ax.plot(hours, medians, marker="o", color=ACCENT, label=_("median"))
    ax.set_xticks(hours, [f"{h}:00" for h in hours])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(_("minutes from ticket to call"))
    ax.set_title(_("Waiting time by hour of issue"), color=INK, loc="left")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def heat_map_chart(report: Report, path: Path, language: str) -> Path:
    _ = translator(language)
    fig, ax = plt.subplots(figsize=SIZE, dpi=DPI)
    hours = sorted({h for _wd, h in report.heat}) or [9]
    weekdays = sorted({wd for wd, _h in report.heat}) or [1]
    grid = [[report.tickets_per_day(wd, h) for h in hours] for wd in weekdays]
    image = ax.imshow(grid, cmap="YlOrRd", aspect="auto")
    top = max((v for row in grid for v in row), default=0)
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            ax.text(
                x,
                y,
                f"{value:.0f}" if value >= 10 else f"{value:.1f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > 0.6 * top else INK,
            )
    ax.set_xticks(range(len(hours)), [f"{h}:00" for h in hours])
    ax.set_yticks(range(len(weekdays)), [weekday_text(wd, language) for wd in weekdays])
    fig.colorbar(image, ax=ax, label=_("tickets per hour, average day"))
    ax.set_title(_("Tickets per hour"), color=INK, loc="left")
    return _save(fig, path)


def satisfied_by_category_chart(report: Report, path: Path, language: str) -> Path:
    """Satisfied share per service category, with its 95% interval."""
    _ = translator(language)
    fig, ax = _figure()
    groups = sorted(
        ((k, s) for k, s in report.by_category.items() if s.count),
        key=lambda kv: kv[1].satisfied.value or 0,
    )
    names = [category_text(k, language) for k, _s in groups]
    values = [100 * (s.satisfied.value or 0) for _k, s in groups]
    low = [values[i] - 100 * s.satisfied.interval[0] for i, (_k, s) in enumerate(groups)]
    high = [100 * s.satisfied.interval[1] - values[i] for i, (_k, s) in enumerate(groups)]
    ax.barh(names, values, color="#7dbb42", xerr=[low, high], ecolor=INK, capsize=3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("satisfied (4–5), % with 95% interval"))
    ax.set_title(_("Satisfied visitors by service category"), color=INK, loc="left")
    return _save(fig, path)


CHARTS = {
    "faces.png": faces_chart,
    "happiness_by_hour.png": happiness_by_hour_chart,
    "waiting_by_hour.png": waiting_by_hour_chart,
    "tickets_heat_map.png": heat_map_chart,
    "satisfied_by_category.png": satisfied_by_category_chart,
}


def write_charts(report: Report, out_dir: Path, language: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [draw(report, out_dir / name, language) for name, draw in CHARTS.items()]


def within_by_hour_chart(report: YearlyReport, path: Path, language: str) -> Path:
    """The share called within 20 minutes by hour of issue, this year against last."""
    _ = translator(language)
    fig, ax = _figure()
    for year, colour, style in (
        (report.last, "#95a5a6", "--"),
        (report.this, ACCENT, "-"),
    ):
        hours = sorted(year.within_by_hour)
        shares = [100 * (year.within_by_hour[h].value or 0) for h in hours]
        ax.plot(hours, shares, style, marker="o", color=colour, label=str(year.report.period.code))
    every = sorted(set(report.this.within_by_hour) | set(report.last.within_by_hour))
    ax.set_xticks(every, [f"{h}:00" for h in every])
    ax.set_ylim(0, 105)
    ax.set_ylabel(_("called within 20 minutes, %"))
    ax.set_title(_("Called within 20 minutes, by hour of issue"), color=INK, loc="left")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def write_yearly_charts(report: YearlyReport, out_dir: Path, language: str) -> list[Path]:
    """The yearly report's charts, each named after the table it stands above."""
    out_dir.mkdir(parents=True, exist_ok=True)
    faces = replace(report.this.report, previous=report.last.report)
    return [
        faces_chart(faces, out_dir / "summary.png", language),
        within_by_hour_chart(report, out_dir / "within_by_hour.png", language),
    ]
