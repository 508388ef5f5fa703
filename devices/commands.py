"""Subcommands for the hardware: printer status, test print and set-up, the announcer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from kiosk.command_args import Args, Group, pass_args

if TYPE_CHECKING:
    from kiosk.cli import Context
    from kiosk.config import Config
    from kiosk.printing import TicketSlip


@click.group("printer", cls=Group, help="the ticket printer")
def printer_group() -> None: ...


@printer_group.command("status", help="read the printer's status (paper, cover, online)")
@pass_args
def _printer_status(ctx: Context, args: Args) -> int:
    from devices.factory import make_printer

    result = make_printer(ctx.config, ctx.ready_db()).status()
    ctx.out(
        f"printer ({ctx.config.printer.connection}): {result.state.value} {result.detail}".rstrip(),
        {"ok": result.ok, "state": result.state.value, "detail": result.detail},
    )
    return 0 if result.ok else 1


@printer_group.command("test", help="print a test ticket")
@click.option("--lang", type=click.Choice(("bg", "en")), default="bg")
@pass_args
def _printer_test(ctx: Context, args: Args) -> int:
    from devices.factory import make_printer

    result = make_printer(ctx.config, ctx.ready_db()).print_ticket(test_slip(ctx.config, args.lang))
    ctx.out(
        f"test print: {result.state.value} {result.detail}".rstrip(),
        {"ok": result.ok, "state": result.state.value, "detail": result.detail},
    )
    return 0 if result.ok else 1


def test_slip(cfg: Config, lang: str) -> TicketSlip:
    from kiosk.printing import TicketSlip

    return TicketSlip(
        language=lang,
        site_name=cfg.site.name.get(lang),
        unit_name=cfg.site.unit.get(lang),
        address=cfg.site.address.get(lang),
        label="А000",
        category_name="TEST",
        service_name=None,
        issued_at=dt.datetime.now(cfg.tz),
        people_ahead=0,
        estimated_wait_minutes=0,
        counters=tuple(c.number for c in cfg.counters),
        qr_url=cfg.site.feedback_url,
    )


@printer_group.command(
    "setup",
    help="find the printer, print a code-page test sheet, write the choice into kiosk.toml",
)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="URL",
    help="also try this serial device or pyserial URL (repeatable)",
)
@click.option("--host", help="address of a network printer (raw port 9100)")
@click.option(
    "--profile", help="python-escpos profile (default: from the USB ids, or the config's)"
)
@click.option("--printer", "choice", type=int, help="the number of the found printer to set up")
@click.option("--code-page", type=int, help="the number of the sheet's block that printed right")
@click.option("--yes", is_flag=True, help="write kiosk.toml without asking")
@pass_args
def _printer_setup(ctx: Context, args: Args) -> int:
    from devices.setup_dialogue import run_setup

    return run_setup(ctx, args)


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
