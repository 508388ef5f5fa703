"""E-mail to citizens who booked (issue #17): the confirmation, the notice of a move or a
cancellation, and the day-before reminder, through the municipality's SMTP server.

Plain text in UTF-8, in the language the citizen booked in; stdlib `smtplib` only. Sending
is never part of a booking's transaction: a server that is down costs the e-mail, never the
booking, and `kiosk central remind` sends what is still owed.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date

from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.i18n import gettext_for
from kiosk.text import Text


def N_(message: str) -> str:
    return message


class MailFailed(KioskError):
    """The SMTP server could not be reached or refused the message."""

    code = "mail_failed"
    status = 409


class Notice(StrEnum):
    """What an e-mail tells a citizen of their booking."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    REMINDER = "reminder"


_SUBJECTS = {
    Notice.BOOKED: N_("Your appointment on {date} at {time}: code {code}"),
    Notice.CANCELLED: N_("Your appointment on {date} at {time} is cancelled"),
    Notice.REMINDER: N_("Reminder: your appointment tomorrow at {time}, code {code}"),
}
_OPENINGS = {
    Notice.BOOKED: N_("Your appointment is booked."),
    Notice.CANCELLED: N_("Your appointment is cancelled. Book again on the municipality's page."),
    Notice.REMINDER: N_("We remind you of your appointment tomorrow."),
}


@dataclass(frozen=True)
class BookingMail:
    """One e-mail's facts; the words come from the notice and the language."""

    notice: Notice
    to: str
    language: str
    code: str
    starts_at: dt.datetime  # aware
    site_name: Text
    service_name: Text
    documents: tuple[Text, ...] = ()
    #: the link to cancel or move: only the page that made the booking knows its token
    manage_url: str | None = None


def compose(mail: BookingMail, *, sender: str, tz: ZoneInfo) -> EmailMessage:
    _ = gettext_for(mail.language)
    local = mail.starts_at.astimezone(tz)
    when = {"date": local.strftime("%d.%m.%Y"), "time": local.strftime("%H:%M")}
    # read days later, "26.11.2026" alone makes the citizen count: the day's name says it
    weekday = format_date(local.date(), "EEEE", locale=mail.language)
    lines = [
        _(_OPENINGS[mail.notice]),
        "",
        _("Code: {code}").format(code=mail.code),
        _("When: {weekday}, {date} at {time}").format(weekday=weekday, **when),
        _("Where: {site}").format(site=mail.site_name.get(mail.language)),
        _("Service: {service}").format(service=mail.service_name.get(mail.language)),
    ]
    if mail.notice is not Notice.CANCELLED:
        lines += ["", _("At the kiosk, choose “I have an appointment” and type the code.")]
        if mail.documents:
            lines += [
                "",
                _("Please bring:"),
                *(f"- {d.get(mail.language)}" for d in mail.documents),
            ]
        lines.append("")
        lines.append(
            _("To cancel or move it: {url}").format(url=mail.manage_url)
            if mail.manage_url
            else _("To cancel or move it, open the link you were given when you booked.")
        )
    message = EmailMessage()
    message["Subject"] = _(_SUBJECTS[mail.notice]).format(code=mail.code, **when)
    message["From"] = sender
    message["To"] = mail.to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content("\n".join(lines) + "\n", charset="utf-8")
    return message


def send(config: Config, message: EmailMessage) -> None:
    """Hand the message to `[mail]`'s server; raises MailFailed (its reason for the log)."""
    mail = config.mail
    password = config.secret("mail.password")
    try:
        if mail.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                mail.host, mail.port, timeout=mail.timeout_s, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_s)
        with smtp:
            if mail.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if mail.username:
                smtp.login(mail.username, password or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailFailed(f"{mail.host}:{mail.port}: {exc}") from exc
