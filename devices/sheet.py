"""The code-page test sheet: every way this printer may number a Cyrillic page, one block each.

A profile says at which ESC t number a printer has each code page, but many printers sold
under one name number them otherwise (clones of the Zjiang firmware, Datecs, Star's
ESC/POS emulation). So the sheet prints a numbered block per candidate: first the Cyrillic
pages the chosen profile lists, then CP866, CP855, CP1251 and ISO-8859-5 at every other
number a printer of python-escpos' database has them. Each block is a Bulgarian pangram
and the alphabet in its page, and a line with € the way a ticket prints it (in the page, or
switched to the profile's Latin page: devices/layout.py). The installer types the number of
the block that came out right.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from escpos import capabilities
from escpos.printer import Dummy

from devices import profiles
from devices.layout import CodePage, chosen_pages

#: Every letter of the Bulgarian alphabet (a pangram), and the capitals in order.
PANGRAM = "Жълтата дюля беше щастлива, че пухът, който цъфна, замръзна като гьон."
ALPHABET = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯ"
EURO_LINE = "Такса 5,00 € / 10,50 €"
#: The pages a Bulgarian ticket may be printed in, whatever the profile lists.
CYRILLIC = ("CP866", "CP855", "CP1251", "ISO_8859-5")

ESC_T = b"\x1bt"


@dataclass(frozen=True)
class Block:
    """One numbered block of the sheet."""

    number: int
    page: CodePage
    in_profile: bool  # the profile numbers the page so; else another printer of the database does


def _codec(page: str) -> str | None:
    return capabilities.CAPABILITIES["encodings"].get(page, {}).get("python_encode")


def _prints_bulgarian(page: str) -> bool:
    """A one-byte page with every Bulgarian letter (CP932 has them too, in two bytes each)."""
    codec = _codec(page)
    if codec is None:
        return False
    try:
        return len(ALPHABET.lower().encode(codec)) == len(ALPHABET)
    except (UnicodeEncodeError, LookupError):
        return False


def blocks(profile: str) -> list[Block]:
    """The candidates, numbered from 1: the profile's own Cyrillic pages, then the others."""
    profiles.register()
    own = sorted(
        (int(n), page)
        for n, page in capabilities.get_profile(profile).codePages.items()
        if _prints_bulgarian(page)
    )
    others = sorted(
        {
            (int(n), page)
            for data in capabilities.CAPABILITIES["profiles"].values()
            for n, page in data["codePages"].items()
            if page in CYRILLIC and _prints_bulgarian(page)
        }
        - set(own),
        key=lambda pair: (CYRILLIC.index(pair[1]), pair[0]),
    )
    return [
        Block(number, CodePage(page, table), in_profile=i < len(own))
        for i, (number, (table, page)) in enumerate(enumerate([*own, *others], 1))
    ]


def compose(profile: str, sheet: list[Block]) -> bytes:
    """The sheet as one ESC/POS job: a header, the blocks, how to answer, a cut."""
    profiles.register()
    printer = Dummy(profile=profile)
    slots = printer.profile.get_code_pages()
    columns = printer.profile.get_columns("a")

    # Headers and the question in ASCII, English as the rest of the set-up: before the
    # installer has answered, no page can be trusted to print anything else right.
    def ascii_line(text: str = "") -> None:
        printer._raw(text.encode("ascii") + b"\n")

    printer._raw(b"\x1b@")
    ascii_line("kiosk printer setup: code pages")
    ascii_line(f"profile {profile}")
    ascii_line("-" * columns)
    for block in sheet:
        ascii_line(f"{block.number}. {block.page.name} (ESC t {block.page.table})")
        tables = chosen_pages(block.page, slots)
        for line in [*textwrap.wrap(PANGRAM, columns), ALPHABET]:
            printer._raw(_in_page(line, block.page) + b"\n")
        printer._raw(_euro(EURO_LINE, block.page, tables) + b"\n")
        ascii_line()
    ascii_line("-" * columns)
    ascii_line("Type the number of the block whose")
    ascii_line("letters and euro sign are right.")
    ascii_line("0: none of them.")
    printer._raw(b"\n" * 3)
    printer.cut()
    return printer.output


def _in_page(text: str, page: CodePage) -> bytes:
    return ESC_T + bytes([page.table]) + text.encode(_codec(page.name) or "ascii")


def _euro(text: str, page: CodePage, tables: dict[str, int]) -> bytes:
    """The € line as a ticket has it: the page's own €, or a switch to a Latin page and back."""
    codec = _codec(page.name) or "ascii"
    latin = next((name for name in tables if name != page.name), None)
    out = ESC_T + bytes([page.table])
    for char in text:
        try:
            out += char.encode(codec)
        except UnicodeEncodeError:
            if latin is None:
                out += b"EUR"
                continue
            out += ESC_T + bytes([tables[latin]]) + char.encode(_codec(latin) or "ascii")
            out += ESC_T + bytes([page.table])
    return out
