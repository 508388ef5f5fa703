"""What a ticket, a complaint receipt and a service's information look like on paper.

Everything is text in a Cyrillic code page (CP866) plus the printer's native QR command:
a full ticket is a few hundred bytes, which is what keeps it fast at 9600 baud. A printer
profile without CP866 gets the text transliterated to Latin letters instead.
"""

from __future__ import annotations

import textwrap

from escpos.escpos import Escpos

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
from kiosk.printing import ComplaintReceipt, TicketSlip
from kiosk.translit import to_latin

CODE_PAGE = "CP866"


class Paper:
    """Writes lines to an escpos printer in the code page its profile has."""

    def __init__(self, printer: Escpos) -> None:
        self.p = printer
        self.cyrillic = CODE_PAGE in printer.profile.get_code_pages()
        self.columns = printer.profile.get_columns("a")
        self._style: tuple[str, bool, int] | None = None
        printer.hw("INIT")
        if self.cyrillic:
            printer.charcode(CODE_PAGE)

    def line(
        self, text: str = "", *, align: str = "center", bold: bool = False, size: int = 1
    ) -> None:
        """One or more lines, wrapped at the paper's width for the size, as the printer would."""
        if not self.cyrillic:
            text = to_latin(text)
        style = (align, bold, size)
        # escpos' set() sends every attribute (~25 bytes): send it only when the style changes
        if style != self._style:
            if size > 1:
                self.p.set(align=align, bold=bold, custom_size=True, width=size, height=size)
            else:
                self.p.set(align=align, bold=bold, normal_textsize=True)
            self._style = style
        for part in textwrap.wrap(text, self.columns // size) or [""]:
            self.p.textln(part)

    def rule(self) -> None:
        self.line("-" * self.columns)

    def qr(self, data: str) -> None:
        if self._style is None or self._style[0] != "center":
            self.p.set(align="center")
            self._style = ("center", False, 1)
        self.p.qr(data, native=True, size=5)

    def cut(self) -> None:
        self.p.cut()


def ticket(paper: Paper, slip: TicketSlip) -> None:
    _, n_ = gettext_for(slip.language, "devices"), ngettext_for(slip.language, "devices")
    paper.line(slip.site_name, bold=True)
    paper.line(slip.unit_name)
    paper.rule()
    paper.line(_("Your number"))
    paper.line(slip.label, bold=True, size=4)
    paper.line(slip.service_name or slip.category_name, bold=True)
    paper.line(slip.issued_at.strftime("%d.%m.%Y %H:%M"))
    paper.line(
        n_("{n} person ahead of you", "{n} people ahead of you", slip.people_ahead).format(
            n=slip.people_ahead
        )
    )
    paper.line(
        _("Expected wait: {wait}").format(
            wait=wait_text(slip.estimated_wait_minutes, slip.language)
        )
    )
    numbers = ", ".join(str(c) for c in slip.counters)
    paper.line(
        n_("Counter {numbers}", "Counters {numbers}", len(slip.counters)).format(numbers=numbers)
    )
    paper.rule()
    paper.line(_("We answer every complaint in writing within one month."))
    paper.line(_("Rate our service:"))
    paper.qr(slip.qr_url)
    paper.cut()


def receipt(paper: Paper, slip: ComplaintReceipt) -> None:
    _ = gettext_for(slip.language, "devices")
    paper.line(slip.site_name, bold=True)
    paper.rule()
    paper.line(label(MESSAGE_KINDS, slip.kind, slip.language), bold=True)
    paper.line(_("Registration number"))
    paper.line(slip.reg_number, bold=True, size=2)
    paper.line(_("Registered on {date}").format(date=slip.registered_at.strftime("%d.%m.%Y %H:%M")))
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
    paper.cut()


def service_info(paper: Paper, service: Service, language: str) -> None:
    _ = gettext_for(language, "devices")
    paper.line(service.text("name", language), bold=True)
    paper.rule()
    paper.line(_("Documents"), align="left", bold=True)
    for i, document in enumerate(service.text("documents", language), 1):
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
