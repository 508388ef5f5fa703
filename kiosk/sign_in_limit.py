"""How many sign-ins a username and an address may try: counted in the database.

The count is one upsert per key, so parallel attempts cannot all slip through between a
check and a write, and the limit holds across server processes and restarts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kiosk.models import SignInAttempts
from kiosk.site import SiteBound
from kiosk.staff import normalize_username

KEY_LENGTH = 120  # the column's


def _user_key(username: str) -> str:
    return f"user:{normalize_username(username)}"[:KEY_LENGTH]


def _address_key(address: str) -> str:
    return f"address:{address}"[:KEY_LENGTH]


def _bump(s: Session, key: str, now: dt.datetime) -> int:
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(SignInAttempts)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(index_elements=["key"], set_={"count": SignInAttempts.count + 1})
        .returning(SignInAttempts.count)
    )
    return s.execute(stmt).scalar_one()


class SignInLimit(SiteBound):
    def admit(self, *, username: str, address: str) -> bool:
        """Count one attempt; False when the address or the username has no attempts left.

        Attempts are counted before the password is checked: that is what makes a burst
        of parallel guesses meet the limit. A right password gives its attempt back.
        """
        now = self.clock()
        window = dt.timedelta(seconds=self.config.web.sign_in_window_s)
        with self.db.write() as s:
            # Windows that ended are forgotten: the table holds only the current minute's keys.
            s.execute(delete(SignInAttempts).where(SignInAttempts.window_start <= now - window))
            if _bump(s, _address_key(address), now) > self.config.web.sign_in_address_attempts:
                return False
            return _bump(s, _user_key(username), now) <= self.config.web.sign_in_attempts

    def succeeded(self, *, username: str, address: str) -> None:
        """The username starts afresh; its attempt does not count against the address."""
        with self.db.write() as s:
            s.execute(delete(SignInAttempts).where(SignInAttempts.key == _user_key(username)))
            s.execute(
                update(SignInAttempts)
                .where(SignInAttempts.key == _address_key(address), SignInAttempts.count > 0)
                .values(count=SignInAttempts.count - 1)
            )
