"""Subcommands of the domain: config, db, catalog, queue."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kiosk.command_args import Args, Group, json_record, pass_args
from kiosk.config import reference as config_reference

if TYPE_CHECKING:
    from kiosk.catalog import CatalogDocument
    from kiosk.cli import Context
    from kiosk.queue import Queue


@click.group("config", cls=Group, help="check the configuration or print its reference")
def config_group() -> None: ...


@click.group("db", cls=Group, help="site database")
def db_group() -> None: ...


@click.group("catalog", cls=Group, help="the service catalogue")
def catalog_group() -> None: ...


@click.group("queue", cls=Group, help="issue and call tickets from the command line")
def queue_group() -> None: ...


@config_group.command("check", help="validate kiosk.toml")
@pass_args
def _config_check(ctx: Context, args: Args) -> int:
    from kiosk.counters import Counters
    from kiosk.db import SchemaError

    cfg = ctx.config
    try:
        ctx.db.check_schema()
    except SchemaError:
        differences = None  # a database not made yet is seeded from this config
    else:
        differences = Counters(ctx.db, cfg).differences(cfg)
    human = f"{cfg.source}: ok (site {cfg.site_id}, database {ctx.db.safe_url})"
    if differences:
        # the config seeds categories and counters once; then admins edit them in /admin
        human = "\n".join(
            [
                f"{cfg.source}: valid (site {cfg.site_id}, database {ctx.db.safe_url}), but its"
                " categories and counters differ from the database's, which are in use"
                " (change them in the staff web, /admin/setup):",
                *(f"  {d}" for d in differences),
            ]
        )
    ctx.out(human, {"ok": True, "site": cfg.site_id, "differences": differences})
    return 0


@config_group.command("reference", help="print the config reference (Markdown)")
@pass_args
def _config_reference(ctx: Context, args: Args) -> int:
    print(config_reference())
    return 0


@db_group.command(
    "upgrade", help="create or migrate the schema, load the shipped catalogue if none"
)
@pass_args
def _db_upgrade(ctx: Context, args: Args) -> int:
    from kiosk.catalog import ensure_catalog

    before = ", ".join(sorted(ctx.db.current_revisions())) or "empty"
    ctx.db.upgrade()
    after = ", ".join(sorted(ctx.db.current_revisions()))
    ensure_catalog(ctx.db)
    ctx.out(f"database {ctx.db.safe_url}: {before} → {after}", {"from": before, "to": after})
    return 0


@db_group.command("status", help="the schema revision against the code's")
@pass_args
def _db_status(ctx: Context, args: Args) -> int:
    current, heads = sorted(ctx.db.current_revisions()), sorted(ctx.db.head_revisions())
    ok = current == heads
    ctx.out(
        f"database {ctx.db.safe_url}: revision {', '.join(current) or 'none'}, code expects {', '.join(heads)}"
        + ("" if ok else " — run `kiosk db upgrade`"),
        {"current": current, "heads": heads, "ok": ok},
    )
    return 0 if ok else 1


def read_catalog_file(path: Path, *, refused: str) -> CatalogDocument | None:
    """The validated catalogue in a file, or None after saying on stderr why it was refused."""
    from kiosk.catalog import CatalogError, load_file

    try:
        return load_file(path)
    except CatalogError as exc:
        print(f"{refused}:\n{exc}", file=sys.stderr)
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
    return None


@catalog_group.command(
    "import", help="validate a YAML or CSV file and replace the catalogue with it"
)
@click.argument("file", type=click.Path(path_type=Path))
@pass_args
def _catalog_import(ctx: Context, args: Args) -> int:
    from kiosk.catalog import store_catalog

    db = ctx.ready_db()
    doc = read_catalog_file(
        args.file, refused="catalogue not imported, the current one is unchanged"
    )
    if doc is None:
        return 1
    count = store_catalog(db, doc, source=str(args.file))
    ctx.out(
        f"imported {count} services (revision {doc.revision}) from {args.file}", {"services": count}
    )
    return 0


@catalog_group.command("export", help="write the catalogue as YAML or CSV")
@click.option("--format", type=click.Choice(("yaml", "csv")), default="yaml")
@click.option(
    "--out", type=click.Path(path_type=Path), help="file to write (default: standard output)"
)
@pass_args
def _catalog_export(ctx: Context, args: Args) -> int:
    from kiosk.catalog import load_catalog, to_csv, to_yaml

    doc = load_catalog(ctx.ready_db())
    text = (
        to_csv(doc)
        if args.format == "csv" or (args.out and args.out.suffix == ".csv")
        else to_yaml(doc)
    )
    if args.out:
        # utf-8-sig so that a spreadsheet opens the Cyrillic text correctly
        args.out.write_text(text, encoding="utf-8-sig" if args.out.suffix == ".csv" else "utf-8")
        print(f"wrote {len(doc.services)} services to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


@catalog_group.command("search", help="find services by words, in Cyrillic or Latin")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=int, default=10)
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def _catalog_search(ctx: Context, args: Args) -> int:
    from kiosk.catalog import load_catalog
    from kiosk.labels import deadline_text, fee_text
    from kiosk.search import SearchIndex

    doc = load_catalog(ctx.ready_db())
    found = SearchIndex(doc.services).search(" ".join(args.query), limit=args.limit)
    hits, lang = found.hits, args.lang
    lines = []
    for hit in hits:
        s = hit.service
        fees = ", ".join(
            f"{d.speed}: {fee_text(d.fee_cents, lang)} / {deadline_text(d.deadline, lang)}"
            for d in s.delivery
        )
        lines.append(f"{s.id:>12}  {s.name.get(lang)}\n{'':>14}{fees}")
    if found.total > len(hits):
        lines.append(f"({len(hits)} of {found.total} shown; --limit shows more)")
    if hits and found.unmatched:
        lines.append(f"(no service has: {', '.join(found.unmatched)})")
    ctx.out(
        "\n".join(lines) or "no service found",
        [{"id": h.service.id, "name": h.service.name.bg, "score": h.score} for h in hits],
    )
    return 0 if hits else 1


def _queue(ctx: Context) -> Queue:
    from kiosk.queue import Queue

    return Queue(ctx.ready_db(), ctx.config)


@queue_group.command("issue", help="issue a ticket\n\nCATEGORY: category letter, e.g. А")
@click.argument("category")
@click.option("--service", help="catalogue service id")
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def _queue_issue(ctx: Context, args: Args) -> int:
    from kiosk.labels import CLOSED_REASONS, label, wait_text
    from kiosk.queue import QueueClosed, QueueError

    try:
        ticket = _queue(ctx).issue(category=args.category, service_id=args.service)
    except QueueClosed as exc:
        reason = label(CLOSED_REASONS, exc.state.reason, args.lang) if exc.state.reason else ""
        nxt = (
            f" Next opening: {exc.state.next_opening:%d.%m.%Y %H:%M}."
            if exc.state.next_opening
            else ""
        )
        print(f"{reason}{nxt}", file=sys.stderr)
        return 1
    except QueueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    wait = wait_text(ticket.estimated_wait_minutes, args.lang, between=ticket.wait_range)
    # the live link is the visitor's key to their ticket: on paper only, never in a log
    record = {k: v for k, v in json_record(ticket).items() if k != "live_token"}
    ctx.out(f"{ticket.label}: {ticket.people_ahead} ahead, {wait}", record)
    return 0


def _queue_action(ctx: Context, args: Args) -> int:
    from kiosk.errors import KioskError
    from kiosk.queue import Arrival

    queue = _queue(ctx)
    try:
        if args.action == "call":
            view = queue.call_next(
                counter=args.counter,
                clerk=args.clerk,
                previous=Arrival(args.previous) if args.previous else None,
            )
            if view is None:
                ctx.out("nobody is waiting", None)
                return 0
        elif args.action == "transfer":
            view = queue.transfer(
                counter=args.counter,
                clerk=args.clerk,
                to_category=args.to_category,
                to_counter=args.to_counter,
                reason=args.reason,
            )
        else:
            view = getattr(queue, args.action.replace("-", "_"))(
                counter=args.counter, clerk=args.clerk
            )
    except KioskError as exc:  # a refused step, or a reason holding a control character
        print(str(exc), file=sys.stderr)
        return 1
    ctx.out(f"{view.label} → counter {args.counter}: {view.status}", json_record(view))
    return 0


def _queue_status(ctx: Context, args: Args) -> int:
    st = _queue(ctx).status()
    lines = [f"{st.day}  {'open' if st.open_state.is_open else 'closed'}"]
    lines += [f"  {c.code}  {c.waiting:3d} waiting  {c.name.bg}" for c in st.categories]
    for c in st.counters:
        current = c.current.label if c.current else "—"
        lines.append(f"  counter {c.number}: {current:6} served today {c.served_today}")
    ctx.out("\n".join(lines), json_record(st))
    return 0


def _one_target(callback: Callable[..., int]) -> Callable[..., int]:
    """`transfer` takes exactly one of --to-category and --to-counter."""

    @functools.wraps(callback)
    def checked(**params: Any) -> int:
        if (params["to_category"] is None) == (params["to_counter"] is None):
            raise click.UsageError("give one of the options --to-category --to-counter")
        return callback(**params)

    return checked


def _counter_command(action: str, help_text: str, *decorators: Callable[..., Any]) -> None:
    """`kiosk queue ACTION COUNTER [--clerk]` with `decorators`' options, run by _queue_action."""
    callback = pass_args(_queue_action, action=action)
    for decorator in reversed(decorators):
        callback = decorator(callback)
    callback = click.option("--clerk")(callback)
    callback = click.argument("counter", type=int)(callback)
    queue_group.command(action, help=help_text)(callback)


_counter_command(
    "call",
    "call the next ticket to a counter",
    click.option(
        "--previous",
        # Arrival's values, written out: importing the queue costs every `kiosk` run
        type=click.Choice(("arrived", "no_show")),
        help="whether the visitor of the counter's called, never started ticket came",
    ),
)
_counter_command("recall", "announce the counter's ticket again")
_counter_command("start", "the visitor has arrived: start service")
_counter_command("finish", "service finished")
_counter_command("no-show", "the visitor did not come")
_counter_command(
    "transfer",
    "send the current ticket to another category or counter",
    click.option("--to-category"),
    click.option("--to-counter", type=int),
    click.option("--reason"),
    _one_target,
)
queue_group.command("status", help="waiting per category and counters")(pass_args(_queue_status))
