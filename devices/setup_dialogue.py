"""`kiosk printer setup` with the IT person at the shell: what was found, the sheet, the choice.

Every question has an option that answers it (`--printer`, `--code-page`, `--yes`), so a
script can run the same steps; with `--json` the questions and messages go to stderr and
the outcome to stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from devices import discovery, profiles, sheet
from devices import setup as config_file
from devices.discovery import Candidate, NoPrinterFound
from devices.factory import connection, make_printer
from kiosk.config import Config, default_config_path
from kiosk.printing import PrinterState, TicketSlip

if TYPE_CHECKING:
    from kiosk.cli import Context
    from kiosk.command_args import Args

CHECK = """What to check:
  - the printer is switched on, has paper and its cover is closed;
  - its cable: USB to this PC (then `lsusb` lists it), or the serial adapter (`ls /dev/ttyUSB*`);
  - a serial port that is not listed (a pty, /dev/ttyS1): name it with --port /dev/ttyS1;
  - a network printer: its address with --host 192.168.1.50 (it prints it on its self-test page,
    holding FEED while switching it on);
  - permissions: the user running this is in the group `dialout` (serial) or `lp` (USB)."""

STATE_WORDS = {
    PrinterState.OK: "a printer answers: ready, paper loaded",
    PrinterState.PAPER_NEAR_END: "a printer answers: ready, the paper roll is nearly at its end",
    PrinterState.PAPER_OUT: "a printer answers: out of paper",
    PrinterState.COVER_OPEN: "a printer answers: its cover is open",
    PrinterState.OFFLINE: "cannot be opened, or nothing usable answers",
    PrinterState.NO_ANSWER: "opens, but nothing answers a status query",
}


def describe(candidate: Candidate) -> str:
    """One line in plain words: where, what the system says it is, what it answered."""
    kind = {
        "serial": "serial port",
        "file": "USB printer",
        "usb": "USB printer",
        "network": "network printer",
    }[candidate.connection]
    where = (
        f"{candidate.address}:{candidate.port}"
        if candidate.connection == "network"
        else candidate.address
    )
    what = ", ".join(
        part for part in (candidate.maker, candidate.description, candidate.ids) if part
    )
    if candidate.state is None:
        said = "found; this link cannot be asked its status (the kiosk writes to it as a file)"
    elif candidate.notes:
        said = "; ".join(candidate.notes)
    else:
        said = STATE_WORDS[candidate.state]
        if candidate.connection == "serial" and candidate.answers:
            said += f", at {candidate.baudrate} baud"
    return f"{where}: {kind}" + (f" ({what})" if what else "") + f": {said}"


def run_setup(ctx: Context, args: Args) -> int:
    say = _Say(ctx.as_json)
    path = ctx.config_path or default_config_path() or Path("kiosk.toml")
    old_text = path.read_text(encoding="utf-8") if path.exists() else ""

    say(
        "Looking for the ticket printer: serial ports, USB printers"
        + (f", {args.host}" if args.host else "")
        + " …"
    )
    try:
        found = discovery.discover(ports=args.ports, host=args.host)
    except NoPrinterFound:
        say(f"No printer found: there is no serial port, USB printer or address to try.\n{CHECK}")
        return 1
    for number, candidate in enumerate(found, 1):
        say(f"  {number}. {describe(candidate)}")
    usable = [c for c in found if c.answers or c.state is None]
    if not usable and not args.choice:
        say(
            f"No printer answers at any of these.\n{CHECK}\n"
            "  - a printer that never answers status queries (some do not): choose it with"
            " --printer N; the kiosk then prints without asking (printer.status_query = false)."
        )
        return 1

    default = found.index(usable[0]) + 1 if usable else 1
    number = args.choice or (default if args.yes else say.ask("Printer to set up", default))
    if not 1 <= number <= len(found):
        say(f"There is no printer {number} in the list.")
        return 2
    chosen = found[number - 1]
    profile = args.profile or chosen.suggested_profile or ctx.config.printer.profile
    say(f"Profile: {profile}" + ("" if args.profile else " (another: --profile NAME)"))

    if profile not in profiles.profile_names():
        say(f"There is no profile {profile!r}; the README's Printer set-up lists them.")
        return 2
    values = config_file.printer_values(chosen, profile=profile)
    trial = config_file.check(path, config_file.with_printer(old_text, values))
    blocks = sheet.blocks(profile)
    own = sum(block.in_profile for block in blocks)
    say(
        f"Printing the code-page test sheet on {chosen.address}: {len(blocks)} numbered blocks,"
        f" 1–{own} at the numbers profile {profile} gives, the rest as other printers number them …"
    )
    _send(trial, sheet.compose(profile, blocks))
    picked = args.code_page
    if picked is None:
        picked = say.ask("Number of the block whose letters and € came out right (0: none)", 0)
    if picked == 0:
        say(
            "No code page chosen: nothing written. Try another --profile (README: Printer "
            "set-up lists them), or the printer's own code-table setting (Datecs: DIP switches)."
        )
        return 1
    if not 1 <= picked <= len(blocks):
        say(f"The sheet has no block {picked}.")
        return 2
    block = blocks[picked - 1]
    say(f"Block {block.number}: {block.page.name}, selected by ESC t {block.page.table}.")

    values = config_file.printer_values(chosen, profile=profile, code_page=block.page)
    new_text = config_file.with_printer(old_text, values)
    new_config = config_file.check(path, new_text)
    change = config_file.diff(path, old_text, new_text)
    say(change or f"{path} already says this.")
    if change and not args.yes and not say.confirm(f"Write {path}?"):
        say("Nothing written.")
        return 1
    if change:
        config_file.write(path, new_text)
        say(f"{path} written.")

    result = make_printer(new_config).print_ticket(_slip(new_config))
    say(f"Test ticket: {result.state} {result.detail}".rstrip())
    if ctx.as_json:
        outcome = {"ok": result.ok, "state": result.state}
        ctx.out(
            "",
            {
                "config": str(path),
                "printer": values,
                "found": [_found(c) for c in found],
                "test_ticket": outcome,
            },
        )
    return 0 if result.ok else 1


def _send(config: Config, job: bytes) -> None:
    connect, _ = connection(config)
    device = connect()
    try:
        device._raw(job)
        flush = getattr(device.device, "flush", None)
        if flush is not None:
            flush()
    finally:
        device.close()


def _slip(config: Config) -> TicketSlip:
    from devices.commands import test_slip  # the same ticket as `kiosk printer test`

    return test_slip(config, config.languages.default)


def _found(candidate: Candidate) -> dict[str, Any]:
    return {
        "connection": candidate.connection,
        "address": candidate.address,
        "ids": candidate.ids,
        "state": candidate.state,
        "description": describe(candidate),
    }


class _Say:
    """Messages and questions: to stdout, or to stderr when stdout carries JSON."""

    def __init__(self, to_stderr: bool) -> None:
        self.err = to_stderr

    def __call__(self, text: str) -> None:
        click.echo(text, err=self.err)

    def ask(self, question: str, default: int) -> int:
        return click.prompt(question, default=default, type=int, err=self.err)

    def confirm(self, question: str) -> bool:
        return click.confirm(question, default=True, err=self.err)
