"""What the kiosk's service screen says of a service, section by section, in one language.

The touchscreen (screens/service.py) lays these out as widgets and the centre's web shows
them as its preview, so a secretary sees the very wording a visitor will read.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.catalog import Service
from kiosk.i18n import gettext_for
from kiosk.labels import SPEEDS, deadline_text, fee_text, label


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


def fee_lines(service: Service, language: str) -> list[str]:
    """One line per speed; a figure not yet checked says so on the line below it."""
    _ = gettext_for(language)
    rows = []
    for d in service.delivery:
        line = _("{speed}: {fee}, ready in {deadline}").format(
            speed=label(SPEEDS, d.speed, language),
            fee=fee_text(d.fee_cents, language),
            deadline=deadline_text(d.deadline, language),
        )
        if not (service.is_confirmed(d.speed, "fee") and service.is_confirmed(d.speed, "deadline")):
            line += "\n    " + _("(to be confirmed at the counter)")
        rows.append(line)
    return rows


def service_sections(service: Service, language: str) -> list[Section]:
    """The screen's sections below the service's name, those with nothing to say left out."""
    _ = gettext_for(language)
    documents = "\n".join(f"• {d}" for d in service.document_list(language))
    fees = "\n".join(fee_lines(service, language)) or _(
        "Ask at the counter about fees and deadlines."
    )
    sections = (
        Section(_("What it is"), service.description.get(language)),
        Section(_("Who can apply"), service.who.get(language)),
        Section(_("Documents to bring"), documents),
        Section(_("Fees and deadlines"), fees),
        Section(_("Where"), service.where.get(language)),
    )
    return [s for s in sections if s.text]
