"""The centre's set-up as admins edit it: ticket categories and the counters that serve them.

The config file seeds both on the first start (`apply_queue_config`); after that the
database rules, because admins change them in the staff web and a restart must not undo
that. `differences` says where the config file and the database no longer agree, so
`kiosk config check` can tell the IT person that a change in kiosk.toml is not in use.
Every change is a `setup_events` row with who made it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.models import (
    Counter,
    CounterCategory,
    QueueCategory,
    QueueState,
    SetupEvent,
    TicketEvent,
)
from kiosk.site import SiteBound
from kiosk.vocabulary import TicketStatus

CODE = re.compile(r"[A-ZА-Я]")
MAX_CATEGORY_NAME = 120
MAX_COUNTER_NAME = 60
MAX_ENTITLED = 300
MAX_COUNTER = 99


class SetupError(KioskError):
    """A set-up change the centre refuses."""

    code = "setup_error"


class BadCode(SetupError):
    code = "bad_code"


class CategoryExists(SetupError):
    code = "category_exists"
    status = 409


class NoCategory(SetupError):
    code = "no_category"
    status = 404


class UnknownCategories(SetupError):
    code = "unknown_categories"
    status = 404


class NameMissing(SetupError):
    code = "name_missing"


class NameTooLong(SetupError):
    code = "name_too_long"


class BadCounterNumber(SetupError):
    code = "bad_counter_number"


class CounterExists(SetupError):
    code = "counter_exists"
    status = 409


class NoCounter(SetupError):
    code = "no_counter"
    status = 404


class NoCategories(SetupError):
    code = "no_categories"


class CategoryInUse(SetupError):
    code = "category_in_use"
    status = 409


class CounterBusy(SetupError):
    """A counter with a visitor called or being served is not closed for a break: the visitor
    would be left at a counter no panel shows. `params`: number, label."""

    code = "counter_busy"
    status = 409


class NotYourCounter(SetupError):
    """A clerk opens and closes only the counter they work at; others are the admin's."""

    code = "not_your_counter"
    status = 403


@dataclass(frozen=True)
class CategorySetup:
    code: str
    name_bg: str
    name_en: str
    priority: bool
    counter_groups: tuple[str, ...]
    entitled_bg: str
    entitled_en: str
    active: bool

    @classmethod
    def of(cls, row: QueueCategory) -> CategorySetup:
        return cls(
            code=row.code,
            name_bg=row.name_bg,
            name_en=row.name_en,
            priority=row.priority,
            counter_groups=tuple(row.counter_groups or ()),
            entitled_bg=row.entitled_bg,
            entitled_en=row.entitled_en,
            active=row.active,
        )


@dataclass(frozen=True)
class CounterSetup:
    number: int
    name_bg: str
    name_en: str
    active: bool
    categories: tuple[str, ...]


@dataclass(frozen=True)
class SetupChange:
    at: object
    actor: str
    subject: str
    key: str
    action: str
    detail: dict[str, object]


def _names(name_bg: str, name_en: str, limit: int) -> tuple[str, str]:
    name_bg, name_en = name_bg.strip(), name_en.strip()
    if not name_bg or not name_en:
        raise NameMissing("give the name in Bulgarian and in English")
    if max(len(name_bg), len(name_en)) > limit:
        raise NameTooLong(f"a name is at most {limit} characters", limit=limit)
    return name_bg, name_en


class Counters(SiteBound):
    # --- reading ----------------------------------------------------------------------

    def categories(self) -> list[CategorySetup]:
        """Every category, closed ones too, in the order the kiosk shows them."""
        with self.db.read() as s:
            return [
                CategorySetup.of(c)
                for c in s.scalars(select(QueueCategory).order_by(QueueCategory.sort))
            ]

    def setups(self) -> list[CounterSetup]:
        with self.db.read() as s:
            served: dict[int, list[str]] = {}
            for number, code in s.execute(
                select(CounterCategory.counter_number, CounterCategory.category_code)
                .join(QueueCategory, QueueCategory.code == CounterCategory.category_code)
                .order_by(QueueCategory.sort)
            ):
                served.setdefault(number, []).append(code)
            return [
                CounterSetup(
                    number=c.number,
                    name_bg=c.name_bg,
                    name_en=c.name_en,
                    active=c.active,
                    categories=tuple(served.get(c.number, ())),
                )
                for c in s.scalars(select(Counter).order_by(Counter.number))
            ]

    def changes(self, *, limit: int = 20) -> list[SetupChange]:
        """The latest set-up changes, newest first."""
        with self.db.read() as s:
            return [
                SetupChange(
                    at=e.created_at,
                    actor=e.actor,
                    subject=e.subject,
                    key=e.key,
                    action=e.action,
                    detail=e.detail,
                )
                for e in s.scalars(select(SetupEvent).order_by(SetupEvent.id.desc()).limit(limit))
            ]

    def latest_change(self) -> tuple[int | None, int | None]:
        """The newest queue event's and set-up change's numbers, in one query: what a status
        shown to the board and the panels follows from."""
        with self.db.read() as s:
            row = s.execute(
                select(
                    select(func.max(TicketEvent.seq)).scalar_subquery(),
                    select(func.max(SetupEvent.id)).scalar_subquery(),
                )
            ).one()
            return row[0], row[1]

    # --- changing ---------------------------------------------------------------------

    def _record(
        self, s: Session, *, actor: str, subject: str, key: str, action: str, detail: object
    ) -> None:
        s.add(
            SetupEvent(
                created_at=self.clock(),
                actor=actor,
                subject=subject,
                key=key,
                action=action,
                detail=asdict(detail),  # type: ignore[call-overload]
            )
        )

    def save_category(
        self,
        *,
        actor: str,
        code: str,
        name_bg: str,
        name_en: str,
        priority: bool = False,
        counter_groups: tuple[str, ...] = (),
        entitled_bg: str = "",
        entitled_en: str = "",
        active: bool = True,
        create: bool = False,
    ) -> CategorySetup:
        """Add a category (`create`) or change one; its letter never changes, tickets carry it."""
        code = code.strip().upper()
        if not CODE.fullmatch(code):
            raise BadCode("a category's code is one capital letter", code=code)
        name_bg, name_en = _names(name_bg, name_en, MAX_CATEGORY_NAME)
        entitled_bg, entitled_en = entitled_bg.strip(), entitled_en.strip()
        if max(len(entitled_bg), len(entitled_en)) > MAX_ENTITLED:
            raise NameTooLong(f"a text is at most {MAX_ENTITLED} characters", limit=MAX_ENTITLED)
        with self.db.write() as s:
            row = s.get(QueueCategory, code)
            if create and row is not None:
                raise CategoryExists(f"category {code} exists already", code=code)
            if not create and row is None:
                raise NoCategory(f"there is no category {code}", code=code)
            if row is None:
                last = s.scalar(select(func.max(QueueCategory.sort))) or 0
                row = QueueCategory(code=code, sort=last + 1)
                s.add(row)
            elif row.active and not active:
                self._refuse_orphans(s, code)
            row.name_bg, row.name_en, row.priority, row.active = name_bg, name_en, priority, active
            row.counter_groups = [g.strip() for g in counter_groups if g.strip()]
            row.entitled_bg, row.entitled_en = entitled_bg, entitled_en
            s.flush()
            saved = CategorySetup.of(row)
            action = "created" if create else "changed"
            self._record(s, actor=actor, subject="category", key=code, action=action, detail=saved)
            return saved

    def _refuse_orphans(self, s: Session, code: str) -> None:
        """A category may close only if no open counter is left serving nothing else."""
        served: dict[int, set[str]] = {}
        for number, cat in s.execute(
            select(CounterCategory.counter_number, CounterCategory.category_code)
            .join(Counter, Counter.number == CounterCategory.counter_number)
            .join(QueueCategory, QueueCategory.code == CounterCategory.category_code)
            .where(Counter.active.is_(True), QueueCategory.active.is_(True))
        ):
            served.setdefault(number, set()).add(cat)
        alone = sorted(n for n, cats in served.items() if cats == {code})
        if alone:
            raise CategoryInUse(
                f"counters {alone} serve only {code}",
                code=code,
                counters=", ".join(map(str, alone)),
            )

    def move_category(self, *, actor: str, code: str, up: bool) -> list[CategorySetup]:
        """Swap a category with its neighbour in the kiosk's order."""
        with self.db.write() as s:
            rows = list(s.scalars(select(QueueCategory).order_by(QueueCategory.sort)))
            index = next((i for i, r in enumerate(rows) if r.code == code), None)
            if index is None:
                raise NoCategory(f"there is no category {code}", code=code)
            other = index - 1 if up else index + 1
            if 0 <= other < len(rows):
                rows[index], rows[other] = rows[other], rows[index]
                for i, row in enumerate(rows):
                    row.sort = i
                s.add(
                    SetupEvent(
                        created_at=self.clock(),
                        actor=actor,
                        subject="category",
                        key=code,
                        action="moved up" if up else "moved down",
                        detail={"order": [r.code for r in rows]},
                    )
                )
        return self.categories()

    def save_counter(
        self,
        *,
        actor: str,
        number: int,
        categories: list[str],
        active: bool,
        name_bg: str | None = None,
        name_en: str | None = None,
        create: bool = False,
    ) -> CounterSetup:
        """Add a counter (`create`) or change one: its names, categories, open or closed.

        Closing leaves the counter's tickets as they are: those sent to it wait for it, and
        the estimates and the board leave it out until it opens again."""
        if not 1 <= number <= MAX_COUNTER:
            raise BadCounterNumber(f"a counter's number is 1 to {MAX_COUNTER}", number=number)
        with self.db.write() as s:
            self._save_counter(
                s,
                actor=actor,
                number=number,
                categories=categories,
                active=active,
                names=(name_bg, name_en),
                action="created" if create else "changed",
            )
        return next(c for c in self.setups() if c.number == number)

    def open_counter(
        self, *, actor: str, actor_counter: int | None, number: int, open: bool
    ) -> CounterSetup:
        """Its own clerk closes a counter for a break, or opens it again: the admin's change
        (`save_counter`) with the names and categories kept, recorded as "closed" or "opened".

        `actor_counter` is the counter the actor works at; any other is refused
        (NotYourCounter). A counter whose visitor is called or being served is not closed
        (CounterBusy): that visitor would stand at a counter no panel shows until it opens."""
        if number != actor_counter:
            raise NotYourCounter(f"{actor} works at counter {actor_counter}", number=number)
        with self.db.write() as s:
            # locked as a call at this counter locks it (Queue._open_counter), so no
            # visitor is called between the look below and the closing
            counter = s.get(Counter, number, with_for_update=True)
            if counter is None:
                raise NoCounter(f"there is no counter {number}", number=number)
            if not open:
                called = s.scalar(
                    select(QueueState.label).where(
                        QueueState.counter_number == number,
                        QueueState.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)),
                    )
                )
                if called is not None:
                    raise CounterBusy(
                        f"counter {number} has {called} called", number=number, label=called
                    )
            categories = s.scalars(
                select(CounterCategory.category_code).where(
                    CounterCategory.counter_number == number
                )
            )
            self._save_counter(
                s,
                actor=actor,
                number=number,
                categories=list(categories),
                active=open,
                names=(None, None),
                action="opened" if open else "closed",
            )
        return next(c for c in self.setups() if c.number == number)

    def _save_counter(
        self,
        s: Session,
        *,
        actor: str,
        number: int,
        categories: list[str],
        active: bool,
        names: tuple[str | None, str | None],
        action: str,
    ) -> None:
        codes = list(dict.fromkeys(categories))
        if not codes:
            raise NoCategories("a counter serves at least one category")
        unknown = set(codes) - set(s.scalars(select(QueueCategory.code)))
        if unknown:
            listed = ", ".join(sorted(unknown))
            raise UnknownCategories(f"unknown categories {listed}", codes=listed)
        counter = s.get(Counter, number)
        if action == "created" and counter is not None:
            raise CounterExists(f"counter {number} exists already", number=number)
        if action != "created" and counter is None:
            raise NoCounter(f"there is no counter {number}", number=number)
        name_bg, name_en = names
        checked = _names(
            name_bg if name_bg is not None else (counter.name_bg if counter else ""),
            name_en if name_en is not None else (counter.name_en if counter else ""),
            MAX_COUNTER_NAME,
        )
        if counter is None:
            counter = Counter(number=number)
            s.add(counter)
        counter.name_bg, counter.name_en = checked
        counter.active = active
        s.flush()
        s.execute(delete(CounterCategory).where(CounterCategory.counter_number == number))
        for code in codes:
            s.add(CounterCategory(counter_number=number, category_code=code))
        saved = CounterSetup(
            number=number,
            name_bg=counter.name_bg,
            name_en=counter.name_en,
            active=active,
            categories=tuple(codes),
        )
        self._record(
            s, actor=actor, subject="counter", key=str(number), action=action, detail=saved
        )

    # --- config file against database ---------------------------------------------------

    def differences(self, config: Config) -> list[str]:
        """Where kiosk.toml's categories and counters differ from those in use (the database's)."""
        out: list[str] = []
        in_db = {c.code: c for c in self.categories()}
        for c in config.categories:
            row = in_db.pop(c.code, None)
            if row is None:
                out.append(f"category {c.code} is in the config but not in the database")
                continue
            for field in ("name_bg", "name_en", "priority"):
                if getattr(c, field) != getattr(row, field):
                    out.append(f"category {c.code}: {field} differs from the config")
            if tuple(c.counter_groups) != row.counter_groups:
                out.append(f"category {c.code}: counter_groups differs from the config")
            if not row.active:
                out.append(f"category {c.code} is closed in the database")
        out += [f"category {code} is in the database but not in the config" for code in in_db]
        counters = {c.number: c for c in self.setups()}
        for spec in config.counters:
            counter = counters.pop(spec.number, None)
            if counter is None:
                out.append(f"counter {spec.number} is in the config but not in the database")
                continue
            if (spec.name_bg, spec.name_en) != (counter.name_bg, counter.name_en):
                out.append(f"counter {spec.number}: its names differ from the config")
            if set(spec.categories) != set(counter.categories):
                out.append(f"counter {spec.number}: its categories differ from the config")
        out += [f"counter {n} is in the database but not in the config" for n in counters]
        return out
