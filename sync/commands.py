"""Subcommands: `kiosk sync` on a site; `kiosk central …` for the municipality's admin."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kiosk.command_args import Args, Group, pass_args
from kiosk.reports.commands import report_options

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kiosk.cli import Context
    from sync.central import CentralTarget
    from sync.push import PushPlan

EXIT_BUSY = 75  # EX_TEMPFAIL: systemd and cron read it as "try again later"
EXIT_DATA = 65  # EX_DATAERR: records held back, or the centre's copy not the site's
EXIT_CLOCK = 78  # EX_CONFIG: the site's clock is ahead of the centre's; nothing pushed
EXIT_USAGE = 2  # as click's own: the command was given what it cannot take (a prefix in use)


def _exit_code(code: str | None) -> int:
    """The exit code of a failed run, by the outcome's code (1 for any other failure)."""
    from sync.job import HELD, ClockAhead
    from sync.push import RangeMismatch, RecordConflict

    codes = {
        HELD: EXIT_DATA,
        RecordConflict.code: EXIT_DATA,
        RangeMismatch.code: EXIT_DATA,
        ClockAhead.code: EXIT_CLOCK,
    }
    return codes.get(code or "", 1)


def _due(ctx: Context) -> bool:
    """Whether a daytime tick should run; it says nothing when not (the timer ticks often)."""
    from kiosk.health import Health
    from kiosk.models import utcnow
    from sync.status import sync_due

    last = Health(ctx.db, ctx.config).last_sync()
    due, _ = sync_due(ctx.config.data_dir, last and last.started_at, now=utcnow())
    return due


def _sync_repair(ctx: Context, args: Args) -> int:
    from sync.refused import offending_text, pending_refused, repair

    db = ctx.ready_db()
    rows = list(pending_refused(db))
    lines = [f"{row}: {offending_text(db, row)}" for row in rows]
    if not rows:
        lines.append("nothing to repair: no record waiting to be pushed holds a NUL")
    elif args.apply:
        repair(db, rows, site_id=ctx.config.site_id)
        lines.append(
            f"{len(rows)} record(s) repaired: the control characters removed, each repair "
            "noted as a device event; run `kiosk sync`"
        )
    else:
        lines.append("run `kiosk sync repair --apply` to remove the control characters")
    ctx.out(
        "\n".join(lines),
        {"rows": [str(r) for r in rows], "repaired": bool(rows and args.apply)},
    )
    return 0


@click.command(
    "sync",
    help="push records to the central database, pull the catalogue\n\n"
    "repair: list the records held back for a NUL in their text (--apply removes it)",
)
@click.argument("action", required=False, type=click.Choice(("repair",)))
@click.option("--progress", is_flag=True, help="show a progress bar (rows done/total)")
@click.option("--apply", is_flag=True, help="with repair: mend the rows it lists")
@click.option(
    "--when-due",
    is_flag=True,
    help="sync only if the centre set this site a daytime interval and it is up "
    "(kiosk-sync-day.timer); otherwise exit 0 at once",
)
@pass_args
def sync(ctx: Context, args: Args) -> int:
    if args.action == "repair":
        return _sync_repair(ctx, args)
    from kiosk.booked import Booked
    from kiosk.models import utcnow
    from sync.booking_pull import BookingWindow
    from sync.central import CentralNotConfigured, CentralTarget
    from sync.job import HELD, SyncBusy, run_lock, run_sync
    from sync.status import save_schedule, site_facts

    cfg = ctx.config
    if args.when_due and not _due(ctx):
        return 0
    try:
        target = CentralTarget.from_config(cfg)
    except CentralNotConfigured as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return 1
    # not ready_db(): the queue's settings are the counters' business, and importing the
    # queue costs every nightly run; damage in pages the push would not read would go
    # unnoticed until a visitor's ticket meets it
    db = ctx.db
    db.check_schema()
    db.check_integrity()
    bar = on_plan = progress = None
    try:
        with run_lock(cfg.data_dir):
            if args.progress:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                bar = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[table]}"),
                )
                bar.start()
                task = bar.add_task("push", total=None, table="")

                def on_plan(plan: PushPlan) -> None:
                    bar.update(task, total=plan.total, completed=0)

                def progress(table: str, n: int) -> None:
                    bar.update(task, advance=n, table=table)

            # before the push, so the no-shows of the day that closed go with it
            day_end = Booked(db, cfg).end_days()
            outcome = run_sync(
                db,
                target,
                batch_size=cfg.sync.batch_size,
                connections=cfg.sync.connections,
                time_budget_s=cfg.sync.time_budget_s,
                on_plan=on_plan,
                progress=progress,
                site_id=cfg.site_id,
                clock_tolerance_s=cfg.sync.clock_tolerance_s,
                report=lambda: site_facts(cfg, db),
                bookings=BookingWindow(cfg.tz, cfg.appointments.horizon_days),
            )
            if outcome.ok or outcome.code == HELD:  # the run read the centre's setting
                save_schedule(cfg.data_dir, outcome.every_min, at=utcnow())
    except SyncBusy as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return EXIT_BUSY
    finally:
        if bar is not None:
            bar.stop()
    total = sum(outcome.pushed.values())
    pulled = (
        f", catalogue revision {outcome.pulled_revision} pulled" if outcome.pulled_revision else ""
    )
    if outcome.pulled_events:
        pulled += f", {outcome.pulled_events} handling event(s) from the centre pulled"
    if outcome.pulled_bookings:
        pulled += f", {outcome.pulled_bookings} booking(s) new or changed pulled"
    if day_end.no_shows:
        pulled += f", {day_end.no_shows} booking(s) recorded as no-shows"
    human = (
        f"sync to {target.safe_url}: {'ok' if outcome.ok else 'FAILED'}, {total} records pushed"
        f"{pulled} in {outcome.seconds:.1f} s, {outcome.attempts} attempt(s)"
    )
    if outcome.error:
        human += f"\n{outcome.error}"
    data = {
        "ok": outcome.ok,
        "pushed": outcome.pushed,
        "pulled_revision": outcome.pulled_revision,
        "pulled_events": outcome.pulled_events,
        "pulled_bookings": outcome.pulled_bookings,
        "no_shows": day_end.no_shows,
        "attempts": outcome.attempts,
        "error": outcome.error,
        "held": outcome.held,
        "clock_skew_s": outcome.clock_skew_s,
        "code": outcome.code,
        "every_min": outcome.every_min,
    }
    ctx.out(human, data)
    return 0 if outcome.ok else _exit_code(outcome.code)


def central_options(callback: Callable[..., Any]) -> Callable[..., Any]:
    """The options naming the central database, the same for each `kiosk central` command."""
    callback = click.option("--sslrootcert", help="CA certificate of the central server")(callback)
    callback = click.option(
        "--sslmode",
        default="verify-full",
        type=click.Choice(("disable", "prefer", "require", "verify-ca", "verify-full")),
        help="TLS to the central database (add-site writes it into the site's config too)",
    )(callback)
    return click.option(
        "--url",
        required=True,
        callback=url_reference,
        help="URL of the central database, e.g. postgresql://admin@central/kiosk, or where "
        "to read it: file:/path (mode 0600) or env:VARIABLE, so no password is on the "
        "command line",
    )(callback)


def url_reference(
    click_ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """The URL itself, or the one a `file:`/`env:` reference names (as config secrets do)."""
    from kiosk.config import resolve_secret

    if value is None:
        return None
    kind, _, name = value.partition(":")
    if kind not in ("file", "env"):
        return value
    if kind == "file" and Path(name).exists() and Path(name).stat().st_mode & 0o077:
        raise click.BadParameter(
            f"{name} holds a password and others may read it: chmod 600 {name}", param=param
        )
    url = resolve_secret(value, Path.cwd())
    if url is None:
        what = "the file is missing, unreadable or empty" if kind == "file" else "it is unset"
        raise click.BadParameter(f"{value} gives no URL: {what}", param=param)
    return url


@click.group("central", cls=Group, help="the municipality's central database (admin)")
def central_group() -> None: ...


def central_target(args: Args) -> CentralTarget:
    from sync.central import CentralTarget

    return CentralTarget(url=args.url, sslmode=args.sslmode, sslrootcert=args.sslrootcert or "")


@central_group.command("init", help="create or migrate the central schema, roles and policies")
@central_options
@pass_args
def _central_init(ctx: Context, args: Args) -> int:
    from sync.privileges import restrict_sites
    from sync.schema import CentralSchemaError, init_central

    engine = central_target(args).engine()
    try:
        with engine.begin() as conn:
            before, after = init_central(conn)
            restricted = restrict_sites(conn)
    except CentralSchemaError as exc:
        print(f"kiosk central init: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    ctx.out(
        "\n".join([f"central schema: version {before} → {after}", *restricted]),
        {"from": before, "to": after, "site_logins": restricted},
    )
    return 0


@central_group.command(
    "add-site",
    help="create a site's login role and print its config\n\n"
    "SITE: the site's id (site.id in its kiosk.toml)",
)
@click.argument("site")
@central_options
@click.option("--public-url", help="the central URL as the site reaches it (default: --url's host)")
@click.option("--name", help="the site's name as the centre's pages show it, in Bulgarian")
@click.option("--name-en", help="the site's name in English (default: the Bulgarian)")
@click.option(
    "--register-prefix",
    help="the prefix of the site's registration numbers (its site.register_prefix), refused "
    "if another site has it",
)
@pass_args
def _central_add_site(ctx: Context, args: Args) -> int:
    from kiosk.text import Text
    from sync.schema import CentralSchemaError
    from sync.sites import RegisterPrefixTaken, add_site, name_site, site_config_block

    target = central_target(args)
    engine = target.engine()
    try:
        with engine.begin() as conn:
            login = add_site(conn, site_id=args.site, register_prefix=args.register_prefix)
            if args.name is not None:
                name_site(conn, site_id=args.site, name=Text(args.name, args.name_en or ""))
    except RegisterPrefixTaken as exc:
        print(f"kiosk central add-site: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, CentralSchemaError) as exc:
        print(f"kiosk central add-site: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    block = site_config_block(login, central_url=args.public_url or args.url, sslmode=args.sslmode)
    ctx.out(block, {"site": login.site_id, "role": login.role, "config": block})
    return 0


@central_group.command(
    "name-site",
    help="give a site the name the centre's pages show (its login stays as it is)\n\n"
    "SITE: the site's id; NAME: its name in Bulgarian, e.g. Шивачево",
)
@click.argument("site")
@click.argument("name")
@central_options
@click.option("--en", "name_en", help="the name in English (default: the Bulgarian)")
@pass_args
def _central_name_site(ctx: Context, args: Args) -> int:
    from kiosk.text import Text
    from sync.schema import CentralSchemaError
    from sync.sites import name_site

    engine = central_target(args).engine()
    try:
        with engine.begin() as conn:
            name_site(conn, site_id=args.site, name=Text(args.name, args.name_en or ""))
    except (ValueError, CentralSchemaError) as exc:
        print(f"kiosk central name-site: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    ctx.out(
        f"{args.site} is shown as {args.name}",
        {"site": args.site, "name": args.name, "name_en": args.name_en},
    )
    return 0


@central_group.command(
    "erase-expired",
    help="erase the personal data of messages the centre registered itself, closed longer "
    "than register.retention_days, and of bookings whose day is that long past (the sites "
    "erase their own; run daily by the centre's kiosk-central-retention.timer, as the web's "
    "login)",
)
@central_options
@pass_args
def _central_erase_expired(ctx: Context, args: Args) -> int:
    from kiosk.register import Register
    from sync.bookings import erase_expired as erase_expired_bookings
    from sync.handling import CentreDesk

    with central_target(args).checked_database() as db:
        erased = Register(db, ctx.config, desk=CentreDesk()).erase_expired()
        booked = erase_expired_bookings(db, ctx.config)
    ctx.out(
        f"personal data erased from {len(erased)} closed case(s) the centre registered"
        + "".join(f"\n  {number}" for number in erased)
        + f"\nand from {booked} booking(s) of days past the retention",
        {"erased": erased, "bookings": booked},
    )
    return 0


@central_group.command(
    "remind",
    help="e-mail citizens what is owed of their bookings: confirmations that failed, moves "
    "and cancellations, and from mail.remind_from the reminders of tomorrow's (as the web's "
    "login, which reads contacts; run every few minutes by kiosk-central-remind.timer)",
)
@central_options
@pass_args
def _central_remind(ctx: Context, args: Args) -> int:
    from sync.bookings import remind

    if not ctx.config.mail.enabled:
        print("kiosk central remind: mail.host or mail.from_address is empty: nothing is sent")
        return 0
    with central_target(args).checked_database() as db:
        done = remind(db, ctx.config)
    ctx.out(
        f"{done.sent} e-mail(s) sent, {done.failed} failed (tried again next run)",
        {"sent": done.sent, "failed": done.failed},
    )
    # a failure is retried by the next run; 1 lets the journal and the timer's status show it
    return 1 if done.failed else 0


@central_group.command(
    "add-web-login",
    help="create the login of the centre's staff web (`kiosk central serve`) and print its URL",
)
@central_options
@click.option("--role", default="centre_web", help="the login's name (default centre_web)")
@pass_args
def _central_add_web_login(ctx: Context, args: Args) -> int:
    from sync.sites import add_centre_login

    return _add_login(ctx, args, add_centre_login, "add-web-login", "kiosk central serve --url")


@central_group.command(
    "add-public-login",
    help="create the login of the citizens' pages at the centre (`kiosk public serve "
    "--central-url`: it reads the live tickets and asks sites to cancel, nothing else) and "
    "print its URL",
)
@central_options
@click.option("--role", default="centre_public", help="the login's name (default centre_public)")
@pass_args
def _central_add_public_login(ctx: Context, args: Args) -> int:
    from sync.sites import add_public_login

    return _add_login(
        ctx, args, add_public_login, "add-public-login", "kiosk public serve --central-url"
    )


def _add_login(
    ctx: Context, args: Args, make: Callable[..., str], command: str, used_by: str
) -> int:
    """Make a login with `make` (it returns the password) and print the URL it logs in with."""
    from sqlalchemy.engine import make_url

    from sync.schema import CentralSchemaError

    engine = central_target(args).engine()
    try:
        with engine.begin() as conn:
            password = make(conn, role=args.role)
    except (ValueError, CentralSchemaError) as exc:
        print(f"kiosk central {command}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    url = make_url(args.url).set(username=args.role, password=password)
    shown = url.render_as_string(hide_password=False)
    ctx.out(
        f"{args.role} is the login; keep this URL in a file only that service reads "
        f"(mode 0600) and pass it to `{used_by}`:\n{shown}",
        {"role": args.role, "url": shown},
    )
    return 0


@central_group.group("catalog", cls=Group, help="the central service catalogue")
def central_catalog_group() -> None: ...


@central_catalog_group.command(
    "publish", help="validate a YAML or CSV catalogue and publish a revision"
)
@click.argument("file", type=click.Path(path_type=Path))
@central_options
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="a site the revision is meant for (repeat for a group; default: every site)",
)
@click.option("--note", help="what the revision changes, shown in the centre's revision list")
@pass_args
def _central_publish(ctx: Context, args: Args) -> int:
    from kiosk.commands import read_catalog_file
    from sync.catalog import publish
    from sync.schema import CentralSchemaError

    doc = read_catalog_file(args.file, refused="catalogue not published")
    if doc is None:
        return 1
    engine = central_target(args).engine()
    try:
        with engine.begin() as conn:
            revision = publish(
                conn, doc, source=str(args.file), note=args.note, sites=args.sites or None
            )
    except CentralSchemaError as exc:
        print(f"kiosk central catalog publish: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    ctx.out(
        f"published {len(doc.services)} services as central revision {revision}",
        {"revision": revision, "services": len(doc.services)},
    )
    return 0


@central_group.command(
    "report",
    help="the report over every site's records on the centre (a login that bypasses "
    "row-level security: the owner with BYPASSRLS, or a superuser)",
)
@report_options
@click.option(
    "--appointments",
    is_flag=True,
    help="the appointments' figures of --period instead (issue #17): booked, kept, cancelled, "
    "no-show, on time, waiting against walk-ins, capacity booked; into appointments-PERIOD.csv",
)
@central_options
@pass_args
def _central_report(ctx: Context, args: Args) -> int:
    from kiosk.reports.commands import run_report
    from sync.catalog import central_categories

    with central_target(args).checked_database() as db:
        with db.engine.connect() as conn:
            if args.appointments:
                return _appointment_report(ctx, conn, args)
            categories = central_categories(conn)
        return run_report(ctx, db, args, categories=categories)


def _appointment_report(ctx: Context, conn: Connection, args: Args) -> int:
    import csv
    import dataclasses

    from kiosk.hours import WorkingHours
    from sync.appointment_report import appointment_figures, figure_rows

    if args.period is None or args.yearly is not None:
        raise click.UsageError("--appointments takes --period, not --yearly")
    figures = appointment_figures(
        conn,
        period=args.period,
        hours=WorkingHours.from_config(ctx.config),
        sites=list(args.site) or None,
    )
    rows = figure_rows(figures, args.lang)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"appointments-{args.period.code}.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fp:  # the BOM: Excel reads UTF-8
        csv.writer(fp).writerows(rows)
    facts = dataclasses.asdict(figures)
    facts["period"] = args.period.code
    facts["capacity_share"] = figures.capacity_share
    facts["file"] = str(path)
    ctx.out("\n".join([*(f"{name}: {value}" for name, value in rows), str(path)]), facts)
    return 0
