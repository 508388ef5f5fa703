"""A small hand-built month of activity whose report figures are known, made through the domain."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.catalog import ensure_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.feedback import Feedback
from kiosk.messages import Draft, Kind, Messages, Registration
from kiosk.queue import Arrival, Queue
from kiosk.register import Register
from tests.support import Clock

CIVIL = "2016"  # catalogue category civil_status
TAX = "1998"  # catalogue category local_taxes
SOFIA_TZ = ZoneInfo("Europe/Sofia")

#: Every personal value in the data set: none may appear in a published report.
PERSONAL = {
    "names": [
        "Иван Петров",
        "Мария Георгиева",
        "Стоян Колев",
        "Елена Димова",
        "Петър Ангелов",
        "Румяна Тодорова",
    ],
    "contacts": [
        "0888 123 456",
        "maria.georgieva@example.bg",
        "0877 654 321",
        "elena@example.bg",
        "0899 111 222",
        "rumyana.t@example.bg",
    ],
    "texts": [
        "Чаках два часа пред гише 3 без обяснение.",
        "Служителката отказа да приеме молбата ми.",
        "Удостоверението ми беше издадено с грешно име.",
        "Грубо отношение на служител на входа.",
        "Сигнал за незаконно строителство на ул. Липа 7.",
        "Липсва рампа за хора с увреждания.",
        "Благодаря на г-жа Колева за търпението!",
    ],
}


def local(day: dt.date, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SOFIA_TZ)


def build_known_month(db: Database, config: Config) -> None:
    """November 2026 (and one day of October for the comparison): see tests/test_reports.py."""
    ensure_catalog(db)
    clock = Clock()
    queue = Queue(db, config, clock=clock)
    feedback = Feedback(db, config, clock=clock)
    box = Messages(db, config, clock=clock)
    register = Register(db, config, clock=clock)

    # October 21 (summer time, UTC+3): one ticket waited 2 minutes, one face 2
    oct21 = dt.date(2026, 10, 21)
    clock.set(local(oct21, 9, 0))
    queue.issue(category="А", service_id=CIVIL)
    clock.set(local(oct21, 9, 2))
    queue.call_next(counter=1)
    clock.set(local(oct21, 9, 12))
    queue.finish(counter=1)
    feedback.rate(score=2, counter_number=1)

    # November 25 (winter time, UTC+2)
    nov25 = dt.date(2026, 11, 25)
    clock.set(local(nov25, 9, 0))
    t1 = queue.issue(category="А", service_id=CIVIL)
    clock.set(local(nov25, 9, 5))
    queue.call_next(counter=1)  # T1 waited 300 s
    clock.set(local(nov25, 9, 6))
    queue.start(counter=1)
    clock.set(local(nov25, 9, 10))
    t2 = queue.issue(category="А", service_id=CIVIL)
    clock.set(local(nov25, 9, 16))
    queue.finish(counter=1)  # T1 served 600 s from arrival
    r1 = feedback.rate(score=5, ticket_uuid=t1.uuid, counter_number=1, terminal_id="kiosk-1")
    feedback.add_reasons(rating_uuid=r1.uuid, reasons=["fast", "kind"])
    clock.set(local(nov25, 9, 20))
    queue.call_next(counter=1)  # T2 waited 600 s
    clock.set(local(nov25, 9, 28))
    queue.finish(counter=1)  # T2 served 480 s from the call
    feedback.rate(score=4, ticket_uuid=t2.uuid, counter_number=1, terminal_id="kiosk-1")
    clock.set(local(nov25, 10, 0))
    queue.issue(category="Б", service_id=TAX)
    clock.set(local(nov25, 10, 20))
    queue.call_next(counter=3)  # T3 waited 1200 s
    clock.set(local(nov25, 10, 22))
    queue.no_show(counter=3)
    clock.set(local(nov25, 10, 25))
    r3 = feedback.rate(score=1, service_id=TAX, counter_number=3, terminal_id="kiosk-2")
    feedback.add_reasons(rating_uuid=r3.uuid, reasons=["waiting"])
    clock.advance(seconds=5)
    r4 = feedback.rate(score=2, service_id=TAX, counter_number=3, terminal_id="kiosk-2")
    assert not r4.counted  # a repeated press: stored, not counted
    feedback.add_reasons(rating_uuid=r4.uuid, reasons=["courtesy"])
    clock.set(local(nov25, 10, 30))
    queue.issue(category="Б")  # T4: no service chosen, never called
    clock.set(local(nov25, 11, 0))
    feedback.rate(score=3, terminal_id="kiosk-1")

    # Messages of November, states as at December 10
    names, contacts, texts = PERSONAL["names"], PERSONAL["contacts"], PERSONAL["texts"]

    def submit(day: int, kind: Kind, i: int, *, anonymous: bool = False) -> Registration:
        clock.set(local(dt.date(2026, 11, day), 10, 0))
        if anonymous:
            return box.submit(Draft(kind=kind, text=texts[i], anonymous=True))
        return box.submit(
            Draft(kind=kind, text=texts[i], name=names[i], contact=contacts[i], consent=True)
        )

    c1 = submit(2, Kind.COMPLAINT, 0)  # due Dec 2, answered Nov 20: on time
    submit(3, Kind.COMPLAINT, 1)  # due Dec 3, not answered: overdue on Dec 10
    c3 = submit(4, Kind.COMPLAINT, 2)  # due Dec 4, extended to Dec 20, answered Dec 15
    submit(5, Kind.COMPLAINT, 3, anonymous=True)  # not subject to review
    s5 = submit(6, Kind.SIGNAL, 4)  # due Jan 6, answered Dec 8: on time
    c6 = submit(9, Kind.COMPLAINT, 5)  # due Dec 9, answered 00:30 Dec 10 local (Dec 9 UTC): late
    clock.set(local(dt.date(2026, 11, 10), 10, 0))
    box.submit(
        Draft(kind=Kind.PRAISE, text=texts[6], name=names[3], contact=contacts[3], consent=True)
    )

    clock.set(local(dt.date(2026, 11, 20), 11, 0))
    register.answer(message_uuid=c1.uuid, actor="quality1", text="Отговор на жалбата.")
    clock.set(local(dt.date(2026, 11, 30), 11, 0))
    register.extend(
        message_uuid=c3.uuid,
        actor="quality1",
        reason="Нужна е справка от ГРАО.",
        final_due_date=dt.date(2026, 12, 20),
    )
    register.personal_data(message_uuid=c3.uuid, actor="quality1", role="quality")
    clock.set(local(dt.date(2026, 12, 8), 11, 0))
    register.answer(message_uuid=s5.uuid, actor="quality1", text="Проверка е възложена.")
    clock.set(local(dt.date(2026, 12, 10), 0, 30))
    register.answer(message_uuid=c6.uuid, actor="quality1", text="Рампата ще бъде изградена.")
    clock.set(local(dt.date(2026, 12, 15), 11, 0))
    register.answer(message_uuid=c3.uuid, actor="quality1", text="Името е поправено.")


def build_evening(db: Database, config: Config) -> dt.date:
    """Thursday 3 December 2026, whose one visitor was served after closing (17:00): the
    ticket issued at 16:40 (tickets stop at 16:45), called 17:05, served until 17:35, rated
    4 at 17:36; and the next morning's first visitor, who is not that day's (rated 1)."""
    ensure_catalog(db)
    clock = Clock()
    queue = Queue(db, config, clock=clock)
    feedback = Feedback(db, config, clock=clock)
    day = dt.date(2026, 12, 3)
    clock.set(local(day, 16, 40))
    queue.issue(category="А", service_id=CIVIL)
    clock.set(local(day, 17, 5))
    queue.call_next(counter=1)
    queue.start(counter=1)
    clock.set(local(day, 17, 35))
    queue.finish(counter=1)
    clock.set(local(day, 17, 36))
    feedback.rate(score=4, counter_number=1)
    clock.set(local(day + dt.timedelta(days=1), 8, 31))
    queue.issue(category="А", service_id=CIVIL)
    queue.call_next(counter=1, previous=Arrival.ARRIVED)
    feedback.rate(score=1, counter_number=1)
    return day
