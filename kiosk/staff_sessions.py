"""Staff sessions kept in the database, so that signing out or changing an account ends them.

The browser's cookie carries a random token; the table keeps only its SHA-256, the
account, and a stamp of the account's password hash, role and counter at sign-in. A
request's session is valid while its row exists, the stamp still matches, the account is
active, and neither the idle nor the absolute limit has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, or_, select, update

from kiosk.models import StaffSession, StaffUser
from kiosk.site import SiteBound
from kiosk.staff import NoAccount, StaffAccount, account_of, end_sessions, normalize_username

# seen_at is written at most this often per session: a request is a read, not a write.
TOUCH_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_stamp(row: StaffUser | Row[Any]) -> str:
    """Changes whenever the password, role or counter does (of an account or its columns)."""
    return hashlib.sha256(
        f"{row.password_hash}\x00{row.role}\x00{row.counter_number}".encode()
    ).hexdigest()


@dataclass(frozen=True)
class SessionInfo:
    """What an admin sees of a session: never its token."""

    key: str  # the first characters of the token's hash, enough to tell sessions apart
    started_at: dt.datetime
    seen_at: dt.datetime
    address: str
    agent: str


class StaffSessions(SiteBound):
    @property
    def _absolute(self) -> dt.timedelta:
        return dt.timedelta(hours=self.config.web.session_hours)

    @property
    def _idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.config.web.session_idle_minutes)

    def start(self, *, account: StaffAccount, address: str, agent: str) -> str:
        """A new session for a signed-in account; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.write() as s:
            row = s.scalars(select(StaffUser).where(StaffUser.username == account.username)).one()
            # The account's own sessions that ran out are forgotten here, not by a job.
            s.execute(
                delete(StaffSession).where(
                    StaffSession.user_id == row.id,
                    or_(
                        StaffSession.started_at < now - self._absolute,
                        StaffSession.seen_at < now - self._idle,
                        StaffSession.stamp != account_stamp(row),
                    ),
                )
            )
            s.add(
                StaffSession(
                    token_hash=_hash(token),
                    user_id=row.id,
                    stamp=account_stamp(row),
                    started_at=now,
                    seen_at=now,
                    address=address[:64],
                    agent=agent[:200],
                )
            )
        return token

    def resolve(self, token: str) -> StaffAccount | None:
        """The account of a valid session, or None (the session is then gone for good)."""
        key = _hash(token)
        now = self.clock()
        # columns, not the two ORM objects: this runs on every request of every clerk
        with self.db.read() as s:
            found = s.execute(
                select(
                    StaffSession.stamp,
                    StaffSession.started_at,
                    StaffSession.seen_at,
                    StaffUser.username,
                    StaffUser.display_name,
                    StaffUser.role,
                    StaffUser.counter_number,
                    StaffUser.active,
                    StaffUser.password_hash,
                )
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(StaffSession.token_hash == key)
            ).first()
        if found is None:
            return None
        if (
            not found.active
            or found.stamp != account_stamp(found)
            or now - found.started_at > self._absolute
            or now - found.seen_at > self._idle
        ):
            self.end(token)
            return None
        if now - found.seen_at > dt.timedelta(seconds=TOUCH_SECONDS):
            with self.db.write() as s:
                s.execute(
                    update(StaffSession).where(StaffSession.token_hash == key).values(seen_at=now)
                )
        return account_of(found)

    def end(self, token: str) -> None:
        with self.db.write() as s:
            s.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))

    def end_all(self, *, username: str) -> int:
        """End every session of the account (an admin's button); returns how many ended."""
        with self.db.write() as s:
            user_id = s.scalar(
                select(StaffUser.id).where(StaffUser.username == normalize_username(username))
            )
            if user_id is None:
                raise NoAccount(f"no account {username!r}", username=username)
            return end_sessions(s, user_id=user_id)

    def live(self) -> dict[str, list[SessionInfo]]:
        """The valid sessions of each account, newest first."""
        now = self.clock()
        with self.db.read() as s:
            rows = s.execute(
                select(StaffSession, StaffUser)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(
                    StaffUser.active,
                    StaffSession.started_at >= now - self._absolute,
                    StaffSession.seen_at >= now - self._idle,
                )
                .order_by(StaffSession.started_at.desc())
            ).all()
        live: dict[str, list[SessionInfo]] = {}
        for session, user in rows:
            if session.stamp == account_stamp(user):
                live.setdefault(user.username, []).append(
                    SessionInfo(
                        key=session.token_hash[:8],
                        started_at=session.started_at,
                        seen_at=session.seen_at,
                        address=session.address,
                        agent=session.agent,
                    )
                )
        return live
