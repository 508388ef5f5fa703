"""Staff accounts of the web: clerks at counters, admins, quality officers; argon2 password hashes."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from kiosk.errors import KioskError
from kiosk.models import Counter, StaffSession, StaffUser
from kiosk.plain_text import check_text
from kiosk.site import SiteBound
from kiosk.vocabulary import Role

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the user is unknown: the answer time stays the same.

    Made on first sign-in, not at import: a hash takes 64 MiB and a tenth of a second, and
    every `kiosk` command imports this module to register `kiosk staff` (issue #13).
    """
    return _HASHER.hash("not a password of anyone")


MIN_PASSWORD = 8


class StaffError(KioskError):
    """An account change refused."""

    code = "staff_error"


class BadUsername(StaffError):
    code = "bad_username"


class ConfusableUsername(StaffError):
    code = "confusable_username"
    status = 409


class ShortPassword(StaffError):
    code = "short_password"


class ClerkNeedsCounter(StaffError):
    code = "clerk_needs_counter"


class NoSuchCounter(StaffError):
    code = "no_counter"
    status = 404


class AccountExists(StaffError):
    code = "account_exists"
    status = 409


class NoAccount(StaffError):
    code = "no_account"
    status = 404


class LastAdmin(StaffError):
    code = "last_admin"
    status = 409


class NotYourself(StaffError):
    code = "not_yourself"
    status = 409


class RoleNotHere(StaffError):
    """A role this web does not give: the auditor at a site, a clerk at the centre."""

    code = "role_not_here"


def offered_role(role: Role, offered: tuple[Role, ...]) -> Role:
    """`role` if this web gives it (kiosk.vocabulary.SITE_ROLES at a site), else refused."""
    if role not in offered:
        raise RoleNotHere(f"the role {role} is not given here", role=role.value)
    return role


# Letters that read as a Latin one in the fonts of a counter PC: a name made of them
# passes for another (UTS #39's idea of a skeleton, for the scripts a Bulgarian office uses).
_SKELETON = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
        "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b",
        "0": "o", "1": "l", "|": "l",
    }
)  # fmt: skip


def normalize_username(raw: str) -> str:
    """The one spelling a username is stored and looked up in: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", raw).casefold().strip()


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]


def check_username(name: str) -> None:
    """Refuse what is not 1–60 letters of one script (Latin or Cyrillic), digits or dots."""
    letters = {_script(ch) for ch in name if ch.isalpha()}
    if (
        not name
        or len(name) > 60
        or not all(ch in "0123456789." or ch.isalpha() for ch in name)
        or not letters <= {"LATIN", "CYRILLIC"}
        or len(letters) > 1
    ):
        raise BadUsername("a username is 1–60 letters of one alphabet, digits or dots")


def username_skeleton(name: str) -> str:
    """What a username looks like: two names with one skeleton are mistaken for each other."""
    return name.translate(_SKELETON).replace("rn", "m")


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    role: Role
    counter_number: int | None
    active: bool


def account_of(row: StaffUser | Row[Any]) -> StaffAccount:
    return StaffAccount(
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        counter_number=row.counter_number,
        active=row.active,
    )


def end_sessions(s: Session, *, user_id: int) -> int:
    """End every session of the account, inside the caller's transaction; returns how many."""
    return s.execute(delete(StaffSession).where(StaffSession.user_id == user_id)).rowcount


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
        Any change of an account ends its sessions (see kiosk/staff_sessions.py).
        """
        username = normalize_username(username)
        check_username(username)
        if len(password) < MIN_PASSWORD:
            raise ShortPassword(
                f"a password has at least {MIN_PASSWORD} characters", limit=MIN_PASSWORD
            )
        if display_name is not None:
            display_name = check_text(display_name, field="display_name").strip()
        if role is Role.CLERK and counter is None:
            raise ClerkNeedsCounter("a clerk works at a counter: give --counter")
        with self.db.write() as s:
            if counter is not None and s.get(Counter, counter) is None:
                raise NoSuchCounter(f"there is no counter {counter}", number=counter)
            row = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            if row is not None and not replace:
                raise AccountExists(f"the username {username} is taken", username=username)
            if row is None:
                skeleton = username_skeleton(username)
                for other in s.scalars(select(StaffUser.username)):
                    if username_skeleton(other) == skeleton:
                        raise ConfusableUsername(
                            f"{username!r} looks like the existing account {other!r}",
                            username=username,
                            other=other,
                        )
                row = StaffUser(username=username, created_at=self.clock())
                s.add(row)
            else:
                if role is not Role.ADMIN:
                    self._keep_an_admin(s, row)
                end_sessions(s, user_id=row.id)
            row.display_name = display_name or row.display_name or username
            row.password_hash = _HASHER.hash(password)
            row.role = role
            row.counter_number = counter
            row.active = True
            s.flush()
            return account_of(row)

    def authenticate(self, *, username: str, password: str) -> StaffAccount | None:
        """The active account whose password this is, or None."""
        with self.db.read() as s:
            row = s.scalars(
                select(StaffUser).where(StaffUser.username == normalize_username(username))
            ).first()
        try:
            _HASHER.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        return account_of(row)

    def account(self, username: str) -> StaffAccount | None:
        with self.db.read() as s:
            row = s.scalars(
                select(StaffUser).where(StaffUser.username == normalize_username(username))
            ).first()
            return account_of(row) if row else None

    def accounts(self) -> list[StaffAccount]:
        with self.db.read() as s:
            return [
                account_of(r) for r in s.scalars(select(StaffUser).order_by(StaffUser.username))
            ]

    def _row(self, s: Session, username: str) -> StaffUser:
        row = s.scalars(
            select(StaffUser).where(StaffUser.username == normalize_username(username))
        ).first()
        if row is None:
            raise NoAccount(f"no account {username!r}", username=username)
        return row

    def _keep_an_admin(self, s: Session, row: StaffUser) -> None:
        """Refuse to take the last active admin away: nobody could set up the centre then."""
        if row.role is not Role.ADMIN or not row.active:
            return
        admins = s.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True))
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
        """Give an account another role, counter or name (its password stays); ends its sessions."""
        if role is Role.CLERK and counter is None:
            raise ClerkNeedsCounter("a clerk works at a counter: give --counter")
        with self.db.write() as s:
            if counter is not None and s.get(Counter, counter) is None:
                raise NoSuchCounter(f"there is no counter {counter}", number=counter)
            row = self._row(s, username)
            if role is not Role.ADMIN:
                self._keep_an_admin(s, row)
            if (row.role, row.counter_number) != (role, counter):
                end_sessions(s, user_id=row.id)
            row.role, row.counter_number = role, counter
            row.display_name = (display_name or "").strip() or row.display_name
            s.flush()
            return account_of(row)

    def set_active(self, *, username: str, active: bool, by: str | None = None) -> None:
        """Let an account sign in or not (deactivating ends its sessions); `by`, the admin
        doing it, may not lock themselves out."""
        if not active and by is not None and normalize_username(username) == by:
            raise NotYourself("you cannot deactivate yourself", username=username)
        with self.db.write() as s:
            row = self._row(s, username)
            if not active:
                self._keep_an_admin(s, row)
            row.active = active
            if not active:
                end_sessions(s, user_id=row.id)
