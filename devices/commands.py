"""Subcommands for the hardware: printer status and test print, the announcer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args

if TYPE_CHECKING:
    from kiosk.cli import Context


@click.group("printer", cls=Group, help="the ticket printer")
def printer_group() -> None: ...


@printer_group.command("status", help="read the printer's status (paper, cover, online)")
@pass_args
def _printer_status(ctx: Context, args: Args) -> int:
    from devices.factory import make_printer

    result = make_printer(ctx.config, ctx.ready_db()).status()
    ctx.out(
        f"printer ({ctx.config['printer.connection']}): {result.state.value} {result.detail}".rstrip(),
        {"ok": result.ok, "state": result.state.value, "detail": result.detail},
    )
    return 0 if result.ok else 1


@printer_group.command("test", help="print a test ticket")
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def _printer_test(ctx: Context, args: Args) -> int:
    from devices.factory import make_printer
    from kiosk.printing import TicketSlip

    cfg, lang = ctx.config, args.lang
    slip = TicketSlip(
        language=lang,
        site_name=cfg[f"site.name_{lang}"],
        unit_name=cfg[f"site.unit_{lang}"],
        address=cfg[f"site.address_{lang}"],
        label="А000",
        category_name="TEST",
        service_name=None,
        issued_at=dt.datetime.now(cfg.tz),
        people_ahead=0,
        estimated_wait_minutes=0,
        counters=tuple(c.number for c in cfg.counters),
        qr_url=cfg["site.feedback_url"],
    )
    result = make_printer(cfg, ctx.ready_db()).print_ticket(slip)
    ctx.out(
        f"test print: {result.state.value} {result.detail}".rstrip(),
        {"ok": result.ok, "state": result.state.value, "detail": result.detail},
    )
    return 0 if result.ok else 1


@click.command(
    "announce",
    help="make the call's WAV: chime and spoken number\n\nLABEL: ticket number, e.g. А023",
)
@click.argument("label")
@click.argument("counter", type=int)
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def announce(ctx: Context, args: Args) -> int:
    from devices.announcer import Announcer

    path = Announcer(ctx.config.data_dir / "sounds").call_wav(args.label, args.counter, args.lang)
    ctx.out(str(path), {"wav": str(path)})
    return 0
