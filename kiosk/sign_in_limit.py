"""How many sign-ins a username and an address may try: counted in the database.

The count is one upsert per key, so parallel attempts cannot all slip through between a
check and a write, and the limit holds across server processes and restarts. The same
table and functions count the kiosk's wrong check codes (kiosk.message_status) and booking
codes (kiosk.check_in) under keys of their own: each limit forgets only its own keys' ended
windows, for the windows differ.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kiosk.db import upsert_insert
from kiosk.models import SignInAttempts
from kiosk.site import SiteBound
from kiosk.staff import normalize_username

KEY_LENGTH = 120  # the column's


def _user_key(username: str) -> str:
    return f"user:{normalize_username(username)}"[:KEY_LENGTH]


def _address_key(address: str) -> str:
    return f"address:{address}"[:KEY_LENGTH]


def forget_ended(s: Session, *prefixes: str, now: dt.datetime, window: dt.timedelta) -> None:
    """Drop the keys with these prefixes whose window has ended: the table holds current ones.

    A window that starts after `now` was counted by a clock since set back (NTP correcting
    one that ran ahead): it ends too, or a pause would last as long as the clock was wrong.
    """
    s.execute(
        delete(SignInAttempts).where(
            or_(*(SignInAttempts.key.startswith(p, autoescape=True) for p in prefixes)),
            or_(SignInAttempts.window_start <= now - window, SignInAttempts.window_start > now),
        )
    )


def bump(s: Session, key: str, now: dt.datetime) -> tuple[int, dt.datetime]:
    """Count one attempt of a key: its count in the window, and when that window began."""
    stmt = (
        upsert_insert(s)(SignInAttempts)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(index_elements=["key"], set_={"count": SignInAttempts.count + 1})
        .returning(SignInAttempts.count, SignInAttempts.window_start)
    )
    count, started = s.execute(stmt).one()
    return count, started


def give_back(s: Session, key: str) -> None:
    """An attempt that turned out right does not count against the key."""
    s.execute(
        update(SignInAttempts)
        .where(SignInAttempts.key == key, SignInAttempts.count > 0)
        .values(count=SignInAttempts.count - 1)
    )


def counted(s: Session, key: str) -> tuple[int, dt.datetime] | None:
    """A key's count and window start, without counting; None when it has none."""
    row = s.execute(
        select(SignInAttempts.count, SignInAttempts.window_start).where(SignInAttempts.key == key)
    ).first()
    return (row.count, row.window_start) if row else None


def paused_until(
    s: Session, key: str, *, attempts: int, window: dt.timedelta, now: dt.datetime
) -> dt.datetime | None:
    """When a key may try again, while its attempts in the window are used up; else None."""
    found = counted(s, key)
    if found is None:
        return None
    count, started = found
    until = started + window
    # a window started "later" was counted before the clock was set back: it has ended
    return until if count >= attempts and started <= now < until else None


class SignInLimit(SiteBound):
    def admit(self, *, username: str, address: str) -> bool:
        """Count one attempt; False when the address or the username has no attempts left.

        Attempts are counted before the password is checked: that is what makes a burst
        of parallel guesses meet the limit. A right password gives its attempt back.
        """
        now = self.clock()
        window = dt.timedelta(seconds=self.config.web.sign_in_window_s)
        with self.db.write() as s:
            forget_ended(s, _user_key(""), _address_key(""), now=now, window=window)
            if bump(s, _address_key(address), now)[0] > self.config.web.sign_in_address_attempts:
                return False
            return bump(s, _user_key(username), now)[0] <= self.config.web.sign_in_attempts

    def succeeded(self, *, username: str, address: str) -> None:
        """The username starts afresh; its attempt does not count against the address."""
        with self.db.write() as s:
            s.execute(delete(SignInAttempts).where(SignInAttempts.key == _user_key(username)))
            give_back(s, _address_key(address))
