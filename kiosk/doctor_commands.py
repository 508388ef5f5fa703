"""`kiosk doctor`: every check of the site with what it found and the fix, for the IT person."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, pass_args

if TYPE_CHECKING:
    from kiosk.checks import Finding
    from kiosk.cli import Context

WIDTH = 100
MARKS = {"ok": "ok", "warning": "WARNING", "failure": "FAILURE"}


def report(findings: list[Finding]) -> str:
    """The findings as the IT person reads them: the result, the check, what it found, the fix."""
    from kiosk.checks import Status

    failures = sum(f.status is Status.FAILURE for f in findings)
    warnings = sum(f.status is Status.WARNING for f in findings)
    lines = [f"kiosk doctor: {failures} failure(s), {warnings} warning(s)", ""]
    indent = " " * 9
    for finding in findings:
        head = f"{MARKS[finding.status]:<8} {finding.title()}: {finding.found()}"
        lines += textwrap.wrap(head, WIDTH, subsequent_indent=indent)
        if finding.status is not Status.OK and (fix := finding.fix()):
            lines += textwrap.wrap(
                f"fix: {fix}", WIDTH, initial_indent=indent, subsequent_indent=indent + "     "
            )
    return "\n".join(lines)


@click.command(
    "doctor",
    help="check the site (config, database, disk, printer, speech, sound, clock, central "
    "server, last sync and backup, staff web) and say how to fix what is wrong; exit 1 on a "
    "failure",
)
@click.option(
    "--json", "as_json", is_flag=True, help="the findings as JSON (as `kiosk --json doctor`)"
)
@pass_args
def doctor(ctx: Context, args: Args) -> int:
    from kiosk.checks import CheckName, Finding, Status, worst
    from kiosk.config import ConfigError
    from kiosk.doctor import examine

    ctx.as_json = ctx.as_json or args.as_json
    try:
        config = ctx.config
    except ConfigError as exc:  # the one check that stops the others: nothing else can be read
        findings = [
            Finding(CheckName.CONFIG, Status.FAILURE, "config_invalid", {"error": str(exc)})
        ]
    else:
        findings = examine(config, ctx.db)
    status = worst(findings)
    ctx.out(
        report(findings),
        {"status": status.value, "checks": [f.as_dict() for f in findings]},
    )
    return 1 if status is Status.FAILURE else 0
