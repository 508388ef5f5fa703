"""Subcommands of the reports: `kiosk report`, `kiosk demo seed`, `kiosk register …`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kiosk.command_args import Args, Group, pass_args

if TYPE_CHECKING:
    from kiosk.cli import Context
    from kiosk.db import Database
    from kiosk.reports.compute import Period


def _period(text: str) -> Period:
    from kiosk.reports.compute import BadPeriod, Period

    try:
        return Period.parse(text)
    except BadPeriod as exc:
        raise click.BadParameter(str(exc)) from None


def _year(text: str) -> Period:
    period = _period(text)
    if period.kind != "year":
        raise click.BadParameter(f"a year like 2026, not {text!r}")
    return period


def report_options(callback: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a report, the same for a site's and the centre's."""
    for option in reversed(
        (
            click.option(
                "--period",
                type=_period,
                metavar="PERIOD",
                help="2026, 2026-Q3, 2026-09 or 2026-09-14",
            ),
            click.option(
                "--yearly",
                type=_year,
                metavar="YEAR",
                help="the yearly report of art. 24 (HTML and PDF for the website) instead",
            ),
            click.option("--site", multiple=True, help="site id (repeat for several; default all)"),
            click.option(
                "--out",
                type=click.Path(path_type=Path),
                required=True,
                help="folder for the charts and files",
            ),
            click.option("--lang", type=click.Choice(("bg", "en")), default="bg"),
            click.option(
                "--as-of",
                type=dt.date.fromisoformat,
                metavar="DATE",
                help="complaint states at this date",
            ),
            click.option("--no-pdf", is_flag=True, help="skip the PDF (needs Chromium)"),
        )
    ):
        callback = option(callback)
    return callback


def run_report(
    ctx: Context,
    db: Database,
    args: Args,
    *,
    categories: Mapping[str, str] | None = None,
) -> int:
    """Compute the report `args` ask for on `db`, write its files and say what was written."""
    from kiosk.models import utcnow
    from kiosk.reports.compute import compute_report
    from kiosk.reports.render.outputs import write_outputs

    config = ctx.config
    today = utcnow().astimezone(config.tz).date()
    if (args.period is None) == (args.yearly is None):
        raise click.UsageError("give one of --period and --yearly")
    if args.yearly is not None:
        return _run_yearly(ctx, db, args, today=today, categories=categories)
    report = compute_report(
        db,
        period=args.period,
        tz=config.tz,
        sites=args.site or None,
        as_of=args.as_of or today,
        categories=categories,
    )
    out = write_outputs(
        report, args.out, config=config, language=args.lang, pdf=not args.no_pdf, generated=today
    )
    files = [*out.charts, out.workbook, out.html, *([out.pdf] if out.pdf else [])]
    ctx.out(
        "\n".join(
            [
                f"{report.period.code}: {report.overall.count} ratings, happiness "
                f"{report.overall.happiness or 0:.1f}, {report.tickets} tickets",
                *(str(f) for f in files),
            ]
        ),
        {
            "period": report.period.code,
            "ratings": report.overall.count,
            "happiness": report.overall.happiness,
            "tickets": report.tickets,
            "files": [str(f) for f in files],
        },
    )
    return 0


def _run_yearly(
    ctx: Context,
    db: Database,
    args: Args,
    *,
    today: dt.date,
    categories: Mapping[str, str] | None,
) -> int:
    from kiosk.hours import WorkingHours
    from kiosk.reports.render.outputs import write_yearly_outputs
    from kiosk.reports.yearly import compute_yearly

    config = ctx.config
    print(
        f"kiosk: computing the yearly report of {args.yearly.code} and the year before…",
        file=sys.stderr,
    )
    report = compute_yearly(
        db,
        period=args.yearly,
        hours=WorkingHours.from_config(config),
        sites=args.site or None,
        as_of=args.as_of or today,
        categories=categories,
    )
    print(
        "kiosk: writing the HTML" + ("" if args.no_pdf else " and the PDF") + "…", file=sys.stderr
    )
    out = write_yearly_outputs(
        report, args.out, config=config, language=args.lang, pdf=not args.no_pdf, generated=today
    )
    files = [out.html, *([out.pdf] if out.pdf else [])]
    this = report.this
    ctx.out(
        "\n".join(
            [
                f"{report.year}: {this.report.overall.count} ratings, happiness "
                f"{this.report.overall.happiness or 0:.1f}, {this.report.tickets} tickets, "
                f"{this.messages} messages",
                *(str(f) for f in files),
            ]
        ),
        {
            "year": report.year,
            "ratings": this.report.overall.count,
            "happiness": this.report.overall.happiness,
            "tickets": this.report.tickets,
            "messages": this.messages,
            "within_20_min": this.within_standard.value,
            "files": [str(f) for f in files],
        },
    )
    return 0


@click.group("register", cls=Group, help="the complaint register")
def register_group() -> None: ...


@click.command("report", help="satisfaction and service report for a period")
@report_options
@pass_args
def report(ctx: Context, args: Args) -> int:
    return run_report(ctx, ctx.ready_db(), args)


@click.command("seed", help="fill the database with marked synthetic activity")
@click.option("--days", type=int, default=90)
@click.option("--tickets-per-day", type=int, default=60)
@click.option("--seed", type=int, default=2026)
@pass_args
def demo_seed(ctx: Context, args: Args) -> int:
    from kiosk.demo_seed import has_demo_data, seed_demo
    from kiosk.models import utcnow

    db = ctx.ready_db()
    if has_demo_data(db):
        print("kiosk: this database already holds demo activity; seed a fresh one", file=sys.stderr)
        return 1
    counts = seed_demo(
        db,
        ctx.config,
        days=args.days,
        tickets_per_day=args.tickets_per_day,
        now=utcnow(),
        seed=args.seed,
    )
    ctx.out(
        "synthetic demo activity (terminal id 'demo', texts marked [ДЕМО]): "
        + ", ".join(f"{n} {table}" for table, n in counts.items()),
        counts,
    )
    return 0


@register_group.command("list", help="messages with their status and due date")
@click.option(
    "--filter",
    # Filter's values, written out: importing the register costs every `kiosk` run
    type=click.Choice(("all", "open", "due_week", "overdue")),
    default="open",
)
@pass_args
def _register_list(ctx: Context, args: Args) -> int:
    from kiosk.register import Filter, Register

    register = Register(ctx.ready_db(), ctx.config)
    entries = register.entries(filter=Filter(args.filter))
    today = register.today()
    lines = [
        f"{e.reg_number}  {e.registered_at.astimezone(ctx.config.tz):%d.%m.%Y}  {e.kind:<10} "
        f"{e.status:<22} {e.due_date or ''!s:<10} {'OVERDUE' if e.is_overdue(today) else ''}"
        for e in entries
    ]
    ctx.out(
        "\n".join(lines) or "no messages",
        [
            {
                "reg_number": e.reg_number,
                "kind": e.kind,
                "status": e.status,
                "due_date": e.due_date,
                "overdue": e.is_overdue(today),
            }
            for e in entries
        ],
    )
    return 0


def _register_erase(ctx: Context, args: Args) -> int:
    from kiosk.register import Register

    erased = Register(ctx.ready_db(), ctx.config).erase_expired()
    ctx.out(f"personal data erased from {len(erased)} closed cases", {"erased": erased})
    return 0


@register_group.command("letter", help="the answer or extension notice as a printable HTML letter")
@click.argument("reg_number")
@click.option("--kind", type=click.Choice(("answer", "extension")), required=True)
@click.option(
    "--actor", required=True, help="who prints it (the view of personal data is recorded)"
)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def _register_letter(ctx: Context, args: Args) -> int:
    from kiosk.register import Register, RegisterError, Status
    from kiosk.reports.render.letters import render_letter

    register = Register(ctx.ready_db(), ctx.config)
    try:
        entry = register.find(args.reg_number)
        kind = Status.ANSWERED if args.kind == "answer" else Status.EXTENDED
        # the command line is the administrator's own: the view is recorded under --actor
        letter = register.letter(message_uuid=entry.uuid, kind=kind, actor=args.actor, role="admin")
    except RegisterError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    args.out.write_text(
        render_letter(letter, message_kind=entry.kind, config=ctx.config, language=args.lang),
        encoding="utf-8",
    )
    ctx.out(f"{args.out}: letter for {entry.reg_number}", {"file": str(args.out)})
    return 0


register_group.command(
    "erase-expired", help="erase personal data of cases closed longer than the retention"
)(pass_args(_register_erase))
