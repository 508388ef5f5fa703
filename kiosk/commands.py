"""Subcommands of the domain: config, db, catalog, queue."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import SETTINGS

if TYPE_CHECKING:
    from kiosk.catalog import CatalogDocument
    from kiosk.cli import Context
    from kiosk.queue import Queue


def config_reference() -> str:
    """The README's config reference, as a Markdown table made from SETTINGS."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default
        if hasattr(default, "strftime"):
            default = default.strftime("%H:%M")
        elif isinstance(default, tuple):
            default = list(default)
        rows.append(f"| `{s.key}` | `{default!r}` | {s.help} |".replace("'", '"'))
    return "\n".join(rows)


def _config_check(ctx: Context, args: argparse.Namespace) -> int:
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


def _config_reference(ctx: Context, args: argparse.Namespace) -> int:
    print(config_reference())
    return 0


def _db_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.catalog import ensure_catalog

    before = ", ".join(sorted(ctx.db.current_revisions())) or "empty"
    ctx.db.upgrade()
    after = ", ".join(sorted(ctx.db.current_revisions()))
    ensure_catalog(ctx.db)
    ctx.out(f"database {ctx.db.safe_url}: {before} → {after}", {"from": before, "to": after})
    return 0


def _db_status(ctx: Context, args: argparse.Namespace) -> int:
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


def _catalog_import(ctx: Context, args: argparse.Namespace) -> int:
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


def _catalog_export(ctx: Context, args: argparse.Namespace) -> int:
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


def _catalog_search(ctx: Context, args: argparse.Namespace) -> int:
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


def _queue_issue(ctx: Context, args: argparse.Namespace) -> int:
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
    ctx.out(
        f"{ticket.label}: {ticket.people_ahead} ahead, {wait_text(ticket.estimated_wait_minutes, args.lang)}",
        asdict(ticket),
    )
    return 0


def _queue_action(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue import Arrival, QueueError

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
    except (QueueError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    ctx.out(f"{view.label} → counter {args.counter}: {view.status.value}", asdict(view))
    return 0


def _queue_status(ctx: Context, args: argparse.Namespace) -> int:
    st = _queue(ctx).status()
    lines = [f"{st.day}  {'open' if st.open_state.is_open else 'closed'}"]
    lines += [f"  {c.code}  {c.waiting:3d} waiting  {c.name.bg}" for c in st.categories]
    for c in st.counters:
        current = c.current.label if c.current else "—"
        lines.append(f"  counter {c.number}: {current:6} served today {c.served_today}")
    ctx.out("\n".join(lines), asdict(st))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="check the configuration or print its reference")
    s = p.add_subparsers(dest="config_command", required=True)
    s.add_parser("check", help="validate kiosk.toml").set_defaults(func=_config_check)
    s.add_parser("reference", help="print the config reference (Markdown)").set_defaults(
        func=_config_reference
    )

    p = sub.add_parser("db", help="site database")
    s = p.add_subparsers(dest="db_command", required=True)
    s.add_parser(
        "upgrade", help="create or migrate the schema, load the shipped catalogue if none"
    ).set_defaults(func=_db_upgrade)
    s.add_parser("status", help="the schema revision against the code's").set_defaults(
        func=_db_status
    )

    p = sub.add_parser("catalog", help="the service catalogue")
    s = p.add_subparsers(dest="catalog_command", required=True)
    c = s.add_parser("import", help="validate a YAML or CSV file and replace the catalogue with it")
    c.add_argument("file", type=Path)
    c.set_defaults(func=_catalog_import)
    c = s.add_parser("export", help="write the catalogue as YAML or CSV")
    c.add_argument("--format", choices=("yaml", "csv"), default="yaml")
    c.add_argument("--out", type=Path, help="file to write (default: standard output)")
    c.set_defaults(func=_catalog_export)
    c = s.add_parser("search", help="find services by words, in Cyrillic or Latin")
    c.add_argument("query", nargs="+")
    c.add_argument("--limit", type=int, default=10)
    c.add_argument("--lang", choices=("bg", "en"), default="bg")
    c.set_defaults(func=_catalog_search)

    p = sub.add_parser("queue", help="issue and call tickets from the command line")
    s = p.add_subparsers(dest="queue_command", required=True)
    c = s.add_parser("issue", help="issue a ticket")
    c.add_argument("category", help="category letter, e.g. А")
    c.add_argument("--service", help="catalogue service id")
    c.add_argument("--lang", choices=("bg", "en"), default="bg")
    c.set_defaults(func=_queue_issue)
    for action, help_text in (
        ("call", "call the next ticket to a counter"),
        ("recall", "announce the counter's ticket again"),
        ("start", "the visitor has arrived: start service"),
        ("finish", "service finished"),
        ("no-show", "the visitor did not come"),
        ("transfer", "send the current ticket to another category or counter"),
    ):
        c = s.add_parser(action, help=help_text)
        c.add_argument("counter", type=int)
        c.add_argument("--clerk")
        if action == "transfer":
            target = c.add_mutually_exclusive_group(required=True)
            target.add_argument("--to-category")
            target.add_argument("--to-counter", type=int)
            c.add_argument("--reason")
        if action == "call":
            c.add_argument(
                "--previous",
                # Arrival's values, written out: importing the queue costs every `kiosk --help`
                choices=("arrived", "no_show"),
                help="whether the visitor of the counter's called, never started ticket came",
            )
        c.set_defaults(func=_queue_action, action=action)
    s.add_parser("status", help="waiting per category and counters").set_defaults(
        func=_queue_status
    )
