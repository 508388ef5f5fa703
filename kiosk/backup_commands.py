"""`kiosk backup`, `kiosk backup list` and `kiosk restore`: copies of the SQLite site database."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args

if TYPE_CHECKING:
    from kiosk.backup import Copy
    from kiosk.cli import Context


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours = minutes // 60
    if hours >= 24:
        return f"{hours // 24} d {hours % 24} h"
    return f"{hours} h {minutes % 60} min" if hours else f"{minutes} min"


def _progress(copied: int, total: int) -> None:
    # only at a terminal: the timer's journal gets the result line alone
    if sys.stderr.isatty():
        print(
            f"\rcopying: {copied} of {total} pages ({copied * 100 // max(total, 1)}%)",
            end="" if copied < total else "\n",
            file=sys.stderr,
        )


@click.group(
    "backup",
    cls=Group,
    invoke_without_command=True,
    help="a checked copy of the SQLite site database into the rotation (README: Backups)",
)
@click.option(
    "--label",
    help="keep this copy apart from the daily rotation, named …-LABEL.sqlite (the installer's before-<version>)",
)
@pass_args
def backup_group(ctx: Context, args: Args) -> int:
    from kiosk.backup import BackupError, megabytes, take_backup

    if click.get_current_context().invoked_subcommand is not None:
        return 0
    try:
        result = take_backup(ctx.config, label=args.label, progress=_progress)
    except BackupError as exc:
        print(f"kiosk backup: {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"kiosk backup: warning: {warning}", file=sys.stderr)
    lines = [
        f"{result.path}: {megabytes(result.size)}, {result.pages} pages, integrity {result.integrity}, "
        f"schema {', '.join(result.revisions)}, {result.duration_s:.1f} s (writers held "
        f"{result.writers_held_s * 1000:.0f} ms)"
        + (f" (started again {result.restarts}× by writers)" if result.restarts else ""),
        *([f"second copy: {result.second_path}"] if result.second_path else []),
        *(f"removed by the rotation: {p.name}" for p in result.removed),
    ]
    ctx.out("\n".join(lines), result.as_json())
    return 0


def _listed(c: Copy, now: dt.datetime) -> dict[str, object]:
    return {
        "path": str(c.path),
        "taken_at": c.taken_at.isoformat(),
        "age_s": int(c.age(now).total_seconds()),
        "size": c.size,
        "label": c.label,
        "checked": c.check is not None,
        "integrity": c.check.integrity if c.check else None,
        "revisions": list(c.check.revisions) if c.check else None,
    }


@backup_group.command("list", help="the copies in backup.dir and backup.second_dir")
@pass_args
def _backup_list(ctx: Context, args: Args) -> int:
    from kiosk.backup import copies, megabytes, second_dir_problem
    from kiosk.models import utcnow

    now, tz, config = utcnow(), ctx.config.tz, ctx.config
    second = config.backup_second_dir
    problem = second_dir_problem(config)
    found = {config.backup_dir: copies(config.backup_dir)}
    if second is not None:
        found[second] = [] if problem else copies(second)
    width = max((len(c.path.name) for cs in found.values() for c in cs), default=0)
    lines, data = [], []
    for folder, listed in found.items():
        lines.append(f"{folder}:" + (f" {problem}" if folder == second and problem else ""))
        lines += [
            f"  {c.path.name:{width}}  {c.taken_at.astimezone(tz):%d.%m.%Y %H:%M}  "
            f"{_age(c.age(now)):>12} ago  {megabytes(c.size):>9}  "
            + (f"checked: {c.check.integrity}" if c.check else "not checked")
            for c in listed
        ] or ["  no copies"]
        data += [_listed(c, now) for c in listed]
    ctx.out("\n".join(lines), data)
    return 0


@click.command(
    "restore",
    help="put a checked copy in place of the site database; the current file is kept aside",
)
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--latest", is_flag=True, help="the newest checked copy in backup.dir")
@pass_args
def restore(ctx: Context, args: Args) -> int:
    from kiosk.backup import BackupError, latest_good
    from kiosk.backup import restore as restore_copy

    if (args.file is None) == (not args.latest):
        raise click.UsageError("give the FILE to restore or --latest")
    try:
        copy = args.file or latest_good(ctx.config).path
        result = restore_copy(ctx.config, copy)
    except BackupError as exc:
        print(f"kiosk restore: {exc}", file=sys.stderr)
        return 1
    lines = [f"restored {result.restored} into {result.database}"]
    if result.kept_aside:
        lines.append(f"the file it replaced is kept as {result.kept_aside}")
    if result.upgraded_to:
        lines.append(
            f"migrated from {', '.join(result.revisions)} to {', '.join(result.upgraded_to)}"
        )
    lines.append("start the kiosk again: systemctl start kiosk-web kiosk-app")
    ctx.out(
        "\n".join(lines),
        {
            "restored": str(result.restored),
            "database": str(result.database),
            "kept_aside": str(result.kept_aside) if result.kept_aside else None,
            "revisions": list(result.revisions),
            "upgraded_to": list(result.upgraded_to) if result.upgraded_to else None,
        },
    )
    return 0
