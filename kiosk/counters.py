"""Counters as admins edit them: which ticket categories each counter serves, open or closed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from kiosk.models import Counter, CounterCategory, QueueCategory, TicketEvent
from kiosk.site import SiteBound


class CounterError(ValueError):
    pass


@dataclass(frozen=True)
class CounterSetup:
    number: int
    name_bg: str
    name_en: str
    active: bool
    categories: tuple[str, ...]


class Counters(SiteBound):
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

    def update(self, *, number: int, categories: list[str], active: bool) -> CounterSetup:
        """Set the categories a counter serves and whether it is open."""
        with self.db.write() as s:
            counter = s.get(Counter, number)
            if counter is None:
                raise CounterError(f"there is no counter {number}")
            known = set(s.scalars(select(QueueCategory.code)))
            unknown = set(categories) - known
            if unknown:
                raise CounterError(f"unknown categories {', '.join(sorted(unknown))}")
            counter.active = active
            s.execute(delete(CounterCategory).where(CounterCategory.counter_number == number))
            for code in dict.fromkeys(categories):
                s.add(CounterCategory(counter_number=number, category_code=code))
        return next(c for c in self.setups() if c.number == number)

    def latest_event_seq(self) -> int:
        """The newest queue event's number: a cheap way for another process to see a change."""
        with self.db.read() as s:
            return s.scalar(select(func.max(TicketEvent.seq))) or 0
