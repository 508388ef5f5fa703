"""What a ticket, a complaint receipt and a service's information look like on paper.

Everything is text in code pages the printer's profile has, plus the printer's native QR
command: a full ticket is a few hundred bytes, which is what keeps it fast at 9600 baud.
The code pages come from python-escpos' capabilities database: CP1251 alone when the
profile has it (Cyrillic, €, „“ and dashes in one page), else CP866 for Cyrillic with a
switch mid-line to a Latin page for € and typographic marks. What no page of the profile
can print is written another way (€ as "евро"/"EUR", Cyrillic in Latin letters), never as
the "?" escpos would put in its place.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import cache

from escpos.escpos import Escpos
from escpos.magicencode import Encoder, MagicEncode

from kiosk.catalog import Service
from kiosk.i18n import gettext_for, ngettext_for
from kiosk.labels import (
    MESSAGE_KINDS,
    SPEEDS,
    date_text,
    deadline_text,
    fee_text,
    label,
    wait_text,
)
from kiosk.messages import spaced_code
from kiosk.printing import ComplaintReceipt, TicketSlip
from kiosk.translit import latin_reading, to_latin

# In order of preference; only CP1251 also has € and the Bulgarian quotes.
CYRILLIC_PAGES = ("CP1251", "CP866")
# A second page for what CP866 lacks (€, „“, –), or the only page of a Latin-only profile.
LATIN_PAGES = ("CP1252", "CP858", "ISO_8859-15")
# Marks no chosen page has, in their plain form; Bulgarian quotes become straight ones.
PLAIN = str.maketrans(
    {"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-",
     "—": "-", "…": "...", "№": "No", "\u00a0": " "}
)  # fmt: skip
EURO_WORD = {"bg": "евро", "en": "EUR"}


@cache
def code_pages(names: frozenset[str]) -> tuple[str, ...]:
    """The pages a job uses, the main one first, from the names of a profile's code pages."""
    cyrillic = next((p for p in CYRILLIC_PAGES if p in names), None)
    latin = next((p for p in LATIN_PAGES if p in names), None)
    if cyrillic == "CP1251":
        return (cyrillic,)
    return tuple(p for p in (cyrillic, latin) if p is not None)


@dataclass(frozen=True)
class CodePage:
    """The page `kiosk printer setup` chose: escpos' name and the ESC t number it has here."""

    name: str
    table: int


def chosen_pages(choice: CodePage, slots: dict[str, str]) -> dict[str, int]:
    """The chosen page first, then the profile's Latin page for € and „“ when it lacks them."""
    pages = {choice.name: choice.table}
    if not _encodes(choice.name, "€"):
        latin = next((p for p in LATIN_PAGES if p in slots and int(slots[p]) != choice.table), None)
        if latin is not None:
            pages[latin] = int(slots[latin])
    return pages


def _codec(page: str) -> str:
    return page.lower().replace("_", "-")


class Paper:
    """Writes lines to an escpos printer in the code pages its profile has, or the chosen one."""

    def __init__(
        self, printer: Escpos, *, language: str = "bg", code_page: CodePage | None = None
    ) -> None:
        self.p = printer
        slots = printer.profile.get_code_pages()
        if code_page is None:
            self.pages = code_pages(frozenset(slots))
            tables = {page: int(slots[page]) for page in self.pages}
        else:
            tables = chosen_pages(code_page, slots)
            self.pages = tuple(tables)
        self.cyrillic = bool(self.pages) and _encodes(self.pages[0], "Ж")
        self.language = language
        self.columns = printer.profile.get_columns("a")
        self._style: tuple[str, bool, int] | None = None
        printer.hw("INIT")
        if self.pages:
            # escpos picks among these pages per character and switches mid-line as needed
            printer.magic = MagicEncode(printer, encoder=Encoder(tables))
            printer.magic.write_with_encoding(self.pages[0], None)

    def printable(self, text: str) -> str:
        """The text as this printer can print it: nothing left for escpos to turn into "?"."""
        if not self.cyrillic:
            text = to_latin(text)
        if not self._can_print("€"):
            word = EURO_WORD.get(self.language, "EUR") if self.cyrillic else "EUR"
            text = re.sub(r"€(?=\d)", word + " ", text).replace("€", word)
        return "".join(c if self._can_print(c) else _plain(c) for c in text)

    def _can_print(self, char: str) -> bool:
        return char.isascii() or any(_encodes(page, char) for page in self.pages)

    def line(
        self, text: str = "", *, align: str = "center", bold: bool = False, size: int = 1
    ) -> None:
        """One or more lines, wrapped at the paper's width for the size, as the printer would."""
        text = self.printable(text)
        style = (align, bold, size)
        # escpos' set() sends every attribute (~25 bytes): send it only when the style changes
        if style != self._style:
            if size > 1:
                self.p.set(align=align, bold=bold, custom_size=True, width=size, height=size)
            else:
                self.p.set(align=align, bold=bold, normal_textsize=True)
            self._style = style
        for part in textwrap.wrap(text, self.columns // size) or [""]:
            if self.pages:
                self.p.textln(part)
            else:  # a profile with none of the pages above: plain ASCII, as after ESC @
                self.p._raw(part.encode("ascii", "replace") + b"\n")

    def rule(self) -> None:
        self.line("-" * self.columns)

    def qr(self, data: str) -> None:
        if self._style is None or self._style[0] != "center":
            self.p.set(align="center")
            self._style = ("center", False, 1)
        self.p.qr(data, native=True, size=5)

    def cut(self) -> None:
        self.p.cut()


@cache
def _encodes(page: str, char: str) -> bool:
    try:
        char.encode(_codec(page))
    except UnicodeEncodeError:
        return False
    return True


def _plain(char: str) -> str:
    """A mark in its plain form („ → "), a letter without its accent (é → e), or itself."""
    plain = char.translate(PLAIN)
    if plain != char:
        return plain
    return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or char


def ticket(paper: Paper, slip: TicketSlip) -> None:
    _, n_ = gettext_for(slip.language, "devices"), ngettext_for(slip.language, "devices")
    paper.line(slip.site_name, bold=True)
    paper.line(slip.unit_name)
    paper.line(slip.address)
    paper.rule()
    paper.line(_("Your number"))
    paper.line(slip.label, bold=True, size=4)
    paper.line(slip.category_name, bold=True)
    if slip.service_name:
        paper.line(slip.service_name)
    paper.line(slip.issued_at.strftime("%d.%m.%Y %H:%M"))
    if slip.appointment_at is not None and not slip.appointment_missed:
        _called_at_the_slot(paper, slip, slip.appointment_at)
    else:
        if slip.appointment_at is not None:  # the clerk sees why a booked visitor waits in turn
            paper.line(
                _("Appointment at {time} missed: waiting in turn").format(
                    time=slip.appointment_at.strftime("%H:%M")
                )
            )
        _in_turn(paper, slip)
    numbers = ", ".join(str(c) for c in slip.counters)
    paper.line(
        n_("Counter {numbers}", "Counters {numbers}", len(slip.counters)).format(numbers=numbers)
    )
    paper.rule()
    paper.line(_("We answer every complaint in writing within one month."))
    paper.line(_("Follow your number on your phone:") if slip.live else _("Rate our service:"))
    paper.qr(slip.qr_url)
    paper.cut()


def _in_turn(paper: Paper, slip: TicketSlip) -> None:
    _, n_ = gettext_for(slip.language, "devices"), ngettext_for(slip.language, "devices")
    if slip.people_ahead:
        paper.line(
            n_("{n} person ahead of you", "{n} people ahead of you", slip.people_ahead).format(
                n=slip.people_ahead
            )
        )
    else:
        paper.line(_("Nobody is waiting ahead of you"))
    paper.line(
        _("Expected wait: {wait}").format(
            wait=wait_text(slip.estimated_wait_minutes, slip.language, between=slip.wait_range)
        )
    )


def _called_at_the_slot(paper: Paper, slip: TicketSlip, slot: dt.datetime) -> None:
    """A booked visitor's ticket is called at the slot's time: the people ahead say nothing."""
    _ = gettext_for(slip.language, "devices")
    time = slot.strftime("%H:%M")
    paper.line(_("Appointment at {time}").format(time=time), bold=True, size=2)
    if slip.issued_at < slot:
        paper.line(_("You will be called at {time}.").format(time=time))
    else:
        paper.line(_("You will be called before visitors without an appointment."))


def receipt(paper: Paper, slip: ComplaintReceipt) -> None:
    _ = gettext_for(slip.language, "devices")
    paper.line(slip.site_name, bold=True)
    paper.rule()
    paper.line(label(MESSAGE_KINDS, slip.kind, slip.language), bold=True)
    paper.line(_("Registration number"))
    paper.line(slip.reg_number, bold=True, size=2)
    # as the English screen says it: the reader quotes the number it cannot read
    if latin := latin_reading(slip.reg_number, slip.language):
        paper.line(_("(in Latin letters: {latin})").format(latin=latin))
    if slip.check_code is not None:
        paper.line(_("Check code"))
        paper.line(spaced_code(slip.check_code), bold=True, size=2)
    # the date as the due date below it is written: an English receipt had 02.12.2026 over 2027-01-02
    registered = f"{date_text(slip.registered_at.date(), slip.language)} {slip.registered_at:%H:%M}"
    paper.line(_("Registered on {date}").format(date=registered))
    if slip.due_date is not None:
        paper.line(
            _("Answer due by {date}").format(date=date_text(slip.due_date, slip.language)),
            bold=True,
        )
    paper.line(slip.review_status)
    if slip.review_note is not None:
        paper.line(_("Not subject to review: {reason}").format(reason=slip.review_note))
    paper.rule()
    paper.line(_("Keep this receipt: quote the number when you ask about your message."))
    if slip.check_code is not None:
        paper.line(
            _("With the number and the check code, the kiosk shows how your message is handled.")
        )
    paper.cut()


def service_info(paper: Paper, service: Service, language: str) -> None:
    _ = gettext_for(language, "devices")
    paper.line(service.name.get(language), bold=True)
    paper.rule()
    paper.line(_("Documents"), align="left", bold=True)
    for i, document in enumerate(service.document_list(language), 1):
        paper.line(f"{i}. {document}", align="left")
    paper.line(_("Fee and deadline"), align="left", bold=True)
    for d in service.delivery:
        speed = label(SPEEDS, d.speed, language)
        figures = f"{fee_text(d.fee_cents, language)}, {deadline_text(d.deadline, language)}"
        unsure = (
            ""
            if service.is_confirmed(d.speed, "fee") and service.is_confirmed(d.speed, "deadline")
            else " *"
        )
        paper.line(f"{speed}: {figures}{unsure}", align="left")
    if not service.delivery or service.unconfirmed:
        paper.line(_("* To be confirmed at the counter."), align="left")
    if service.eservice_url:
        paper.line(_("Apply online:"), align="left")
        paper.qr(service.eservice_url)
    paper.cut()
