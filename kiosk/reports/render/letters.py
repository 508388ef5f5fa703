"""The register's letters to a complainant, as printable HTML: the answer, or the extension notice.

The charter requires a written answer within a month, and when that cannot be done a
written notice of the reason and the final deadline. The letter carries the addressee's
name and contact, so making one is a recorded view of personal data (Register.letter).
"""

from __future__ import annotations

import datetime as dt

from kiosk.config import Config
from kiosk.labels import _, date_text
from kiosk.register import Letter, Status
from kiosk.reports.render.publish import templates
from kiosk.reports.wording import translator

SUBJECTS = {
    "complaint": _("Regarding your complaint No. {reg} of {date}"),
    "signal": _("Regarding your signal No. {reg} of {date}"),
    "suggestion": _("Regarding your suggestion No. {reg} of {date}"),
}
OTHER_SUBJECT = _("Regarding your message No. {reg} of {date}")


def render_letter(
    letter: Letter,
    *,
    message_kind: str,
    config: Config,
    language: str = "bg",
    stylesheet: str | None = None,
) -> str:
    """The letter as a page; its CSS inline, or linked from `stylesheet` where inline is not allowed."""
    t = translator(language)
    tz = config.tz
    registered = letter.registered_at.astimezone(tz).date()
    written: dt.date = letter.written_at.astimezone(tz).date()
    subject = t(SUBJECTS.get(message_kind, OTHER_SUBJECT)).format(
        reg=letter.reg_number, date=date_text(registered, language)
    )
    if letter.kind is Status.EXTENDED:
        lead = t(
            "We cannot complete the review of your message within the time set by the Client "
            "Charter. The reason is given below. You will receive a written answer by "
            "{date} at the latest."
        ).format(date=date_text(letter.final_due_date, language))  # type: ignore[arg-type]
    else:
        lead = t("Having reviewed your message, we answer as follows.")
    return (
        templates()
        .get_template("letter.html")
        .render(
            _=t,
            lang=language,
            organisation=config[f"site.name_{language}"],
            unit=config[f"site.unit_{language}"],
            address=config[f"site.address_{language}"],
            reg=letter.reg_number,
            written=date_text(written, language),
            addressee=letter.addressee,
            subject=subject,
            lead=lead,
            body=letter.body,
            reason_title=t("Reason") if letter.kind is Status.EXTENDED else None,
            signed_by=letter.signed_by,
            stylesheet=stylesheet,
        )
    )
