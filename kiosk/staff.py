"""Staff accounts of the web: clerks at counters, admins, quality officers; argon2 password hashes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from kiosk.models import Counter, StaffUser
from kiosk.plain_text import check_text
from kiosk.site import SiteBound

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the user is unknown: the answer time stays the same.

    Made on first sign-in, not at import: a hash takes 64 MiB and a tenth of a second, and
    every `kiosk` command imports this module to register `kiosk staff` (issue #13).
    """
    return _HASHER.hash("not a password of anyone")


MIN_PASSWORD = 8


class Role(StrEnum):
    CLERK = "clerk"
    ADMIN = "admin"
    QUALITY = "quality"


class StaffError(ValueError):
    pass


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
    ) -> StaffAccount:
        """Create an account, or replace the password, role and counter of an existing one."""
        username = username.strip().lower()
        if not username or len(username) > 60 or not username.replace(".", "").isalnum():
            raise StaffError("a username is 1–60 letters, digits or dots")
        if len(password) < MIN_PASSWORD:
            raise StaffError(f"a password has at least {MIN_PASSWORD} characters")
        if display_name is not None:
            display_name = check_text(display_name, field="display_name").strip()
        if role is Role.CLERK and counter is None:
            raise StaffError("a clerk works at a counter: give --counter")
        with self.db.write() as s:
            if counter is not None and s.get(Counter, counter) is None:
                raise StaffError(f"there is no counter {counter}")
            row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            if row is None:
                row = StaffUser(username=username, created_at=self.clock())
                s.add(row)
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
            _HASHER.verify(row.password_hash if row else _dummy_hash(), password)
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

    def set_active(self, *, username: str, active: bool) -> None:
        with self.db.write() as s:
            row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            if row is None:
                raise StaffError(f"no account {username!r}")
            row.active = active
