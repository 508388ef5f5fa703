"""A visitor's "status of my message" at the kiosk: the registration number and check code
of the receipt give the message's state and due date, never its text or personal data.

The check code is stored as it is printed. It is a bearer secret, but hashing six digits
would hide nothing (a million hashes are tried in a second) from anyone who reads the
row, and that reader sees the state it guards anyway; what protects it is that the
kiosk lets one terminal try only a few wrong pairs a window (counted in the database,
by kiosk.sign_in_limit's functions, so a restart does not reset it), and that a wrong
pair never says which half was wrong.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.messages import CHECK_CODE_DIGITS
from kiosk.models import Message, utcnow
from kiosk.register import CLOSED, Register, Status
from kiosk.sign_in_limit import bump, forget_ended, give_back, paused_until
from kiosk.site import SiteBound

KEY_PREFIX = "status:"
# a code to compare with when the number is unknown, so both wrong halves take one path
_NO_CODE = "\x00" * CHECK_CODE_DIGITS
# the year and the number at the end, whatever the visitor typed before or between them
_NUMBER = re.compile(r"(\d{4})\D*?(\d{1,5})\D*$")


class WrongPair(KioskError):
    """No message has this number with this code; which half is wrong is not told."""

    code = "status_check_wrong"
    status = 404


class ChecksPaused(KioskError):
    """Too many wrong pairs on this terminal: no check until `until` (UTC)."""

    code = "status_check_paused"
    status = 409

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        super().__init__(f"status checks paused until {until.isoformat()}", until=until)


@dataclass(frozen=True)
class MessageState:
    """What the kiosk may show of a message: its number, state and dates, nothing written."""

    reg_number: str
    status: Status
    due_date: dt.date | None  # of an open message; None once closed or for kinds not answered
    answered_on: dt.date | None  # local date, for an answered message


def reg_number_for(typed: str, prefix: str) -> str | None:
    """The registration number a visitor means: the site's prefix, the year, five digits.

    The keypad has digits and "-": "2026-17", "2026 00017" and the full "ОЦУИГ-2026-00017"
    all name the same message; anything without a year and a number names none.
    """
    found = _NUMBER.search(typed.strip())
    if found is None:
        return None
    year, number = found.groups()
    return f"{prefix}-{year}-{int(number):05d}"


class StatusCheck(SiteBound):
    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        super().__init__(db, config, clock=clock)
        self.register = Register(db, config, clock=clock)
        self.attempts = config.register.status_check_attempts
        self.window = dt.timedelta(seconds=config.register.status_check_window_s)
        self.key = f"{KEY_PREFIX}{self.terminal_id}"

    def paused_until(self) -> dt.datetime | None:
        """When this terminal may check again, while its wrong tries are used up; else None."""
        with self.db.read() as s:
            return paused_until(
                s, self.key, attempts=self.attempts, window=self.window, now=self.clock()
            )

    def check(self, reg_number: str, code: str) -> MessageState:
        """The state of the message with this number and code; WrongPair or ChecksPaused if not.

        The try is counted before the pair is compared and given back when it is right, as
        sign-ins are: the try that uses up the last one pauses the terminal at once.
        """
        now = self.clock()
        number = reg_number_for(reg_number, self.config.site.register_prefix)
        typed = "".join(ch for ch in code if ch.isdigit())
        message_uuid = None
        with self.db.write() as s:  # the count is committed whatever the answer
            forget_ended(s, KEY_PREFIX, now=now, window=self.window)
            count, started = bump(s, self.key, now)
            row = (
                s.execute(
                    select(Message.uuid, Message.check_code).where(Message.reg_number == number)
                ).first()
                if number and count <= self.attempts
                else None
            )
            stored = row.check_code if row is not None and row.check_code else _NO_CODE
            if hmac.compare_digest(stored.encode(), typed.encode()) and row is not None:
                give_back(s, self.key)
                message_uuid = row.uuid
        if count > self.attempts:
            raise ChecksPaused(started + self.window)
        if message_uuid is None:
            if count == self.attempts:
                raise ChecksPaused(started + self.window)
            raise WrongPair(f"no message {number!r} with that code")
        entry = self.register.entry(message_uuid)
        closed = entry.status in CLOSED
        answered = entry.answered_at if entry.status is Status.ANSWERED else None
        return MessageState(
            reg_number=entry.reg_number,
            status=entry.status,
            due_date=None if closed else entry.due_date,
            answered_on=answered.astimezone(self.config.tz).date() if answered else None,
        )
