"""Staff accounts of the web: clerks at counters, admins, quality officers; argon2 password hashes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import Counter, StaffUser
from kiosk.site import SiteBound

_HASHER = PasswordHasher()
# Verifying against a real hash when the user is unknown keeps the answer time the same.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
MIN_PASSWORD = 8


class Role(StrEnum):
    CLERK = "clerk"
    ADMIN = "admin"
    QUALITY = "quality"


class StaffError(ValueError):
    """An account change refused; `code` and `params` let a UI say why in its language."""

    code = "staff_error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


class BadUsername(StaffError):
    code = "bad_username"


class ShortPassword(StaffError):
    code = "short_password"


class ClerkNeedsCounter(StaffError):
    code = "clerk_needs_counter"


class NoSuchCounter(StaffError):
    code = "no_counter"


class AccountExists(StaffError):
    code = "account_exists"


class NoAccount(StaffError):
    code = "no_account"


class LastAdmin(StaffError):
    code = "last_admin"


class NotYourself(StaffError):
    code = "not_yourself"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    role: Role
    counter_number: int | None
    active: bool


def _account(row: StaffUser) -> StaffAccount:
    return StaffAccount(
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        counter_number=row.counter_number,
        active=row.active,
    )


class Staff(SiteBound):
    def add(
        self,
        *,
        username: str,
        password: str,
        role: Role,
        counter: int | None = None,
        display_name: str | None = None,
        replace: bool = False,
    ) -> StaffAccount:
        """Create an account; with `replace`, also reset the password, role and counter of one.

        Without `replace` a taken username is refused: a form that adds people must not
        silently give someone's account a new password or bring a disabled one back.
        """
        username = username.strip().lower()
        if not username or len(username) > 60 or not username.replace(".", "").isalnum():
            raise BadUsername("a username is 1–60 letters, digits or dots")
        if len(password) < MIN_PASSWORD:
            raise ShortPassword(
                f"a password has at least {MIN_PASSWORD} characters", limit=MIN_PASSWORD
            )
        if role is Role.CLERK and counter is None:
            raise ClerkNeedsCounter("a clerk works at a counter: give --counter")
        with self.db.write() as s:
            if counter is not None and s.get(Counter, counter) is None:
                raise NoSuchCounter(f"there is no counter {counter}", number=counter)
            row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            if row is not None and not replace:
                raise AccountExists(f"the username {username} is taken", username=username)
            if row is None:
                row = StaffUser(username=username, created_at=self.clock())
                s.add(row)
            elif role is not Role.ADMIN:
                self._keep_an_admin(s, row)
            row.display_name = display_name or row.display_name or username
            row.password_hash = _HASHER.hash(password)
            row.role = role.value
            row.counter_number = counter
            row.active = True
            s.flush()
            return _account(row)

    def authenticate(self, *, username: str, password: str) -> StaffAccount | None:
        """The active account whose password this is, or None."""
        with self.db.read() as s:
            row = s.scalars(
                select(StaffUser).where(StaffUser.username == username.strip().lower())
            ).first()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        return _account(row)

    def account(self, username: str) -> StaffAccount | None:
        with self.db.read() as s:
            row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            return _account(row) if row else None

    def accounts(self) -> list[StaffAccount]:
        with self.db.read() as s:
            return [_account(r) for r in s.scalars(select(StaffUser).order_by(StaffUser.username))]

    def _row(self, s: Session, username: str) -> StaffUser:
        row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if row is None:
            raise NoAccount(f"no account {username!r}", username=username)
        return row

    def _keep_an_admin(self, s: Session, row: StaffUser) -> None:
        """Refuse to take the last active admin away: nobody could set up the centre then."""
        if row.role != Role.ADMIN.value or not row.active:
            return
        admins = s.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(StaffUser.role == Role.ADMIN.value, StaffUser.active.is_(True))
        )
        if admins <= 1:
            raise LastAdmin(f"{row.username} is the last active admin", username=row.username)

    def change(
        self,
        *,
        username: str,
        role: Role,
        counter: int | None,
        display_name: str | None = None,
    ) -> StaffAccount:
        """Give an account another role, counter or name (its password stays)."""
        if role is Role.CLERK and counter is None:
            raise ClerkNeedsCounter("a clerk works at a counter: give --counter")
        with self.db.write() as s:
            if counter is not None and s.get(Counter, counter) is None:
                raise NoSuchCounter(f"there is no counter {counter}", number=counter)
            row = self._row(s, username)
            if role is not Role.ADMIN:
                self._keep_an_admin(s, row)
            row.role, row.counter_number = role.value, counter
            row.display_name = (display_name or "").strip() or row.display_name
            s.flush()
            return _account(row)

    def set_active(self, *, username: str, active: bool, by: str | None = None) -> None:
        """Let an account sign in or not; `by`, the admin doing it, may not lock themselves out."""
        if not active and username == by:
            raise NotYourself("you cannot deactivate yourself", username=username)
        with self.db.write() as s:
            row = self._row(s, username)
            if not active:
                self._keep_an_admin(s, row)
            row.active = active
