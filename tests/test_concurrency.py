"""Eight processes issuing and eight calling on one database: no duplicate, no double call, no loss."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import Ticket, TicketEvent
from kiosk.queue import Queue
from tests.support import WORKING_MORNING, fresh_pg_url, make_config, upgraded

ISSUERS = 8
CALLERS = 8
TICKETS_EACH = 40
CATEGORIES = "АБВГ"


def _queue(url: str, config: Config) -> Queue:
    fixed = WORKING_MORNING.astimezone(dt.UTC)
    return Queue(Database(url), config, clock=lambda: fixed)


def _issuer(url: str, config: Config, index: int, out: mp.Queue) -> None:
    queue = _queue(url, config)
    labels = [queue.issue(category=CATEGORIES[(index + i) % 4]).label for i in range(TICKETS_EACH)]
    out.put(("issued", labels))


def _caller(url: str, config: Config, counter: int, out: mp.Queue, stop: mp.Event) -> None:
    queue = _queue(url, config)
    called: list[str] = []
    idle_rounds = 0
    # keep calling until the issuers are done and the queue stays empty
    while idle_rounds < 5:
        ticket = queue.call_next(counter=counter)
        if ticket is None:
            idle_rounds = idle_rounds + 1 if stop.is_set() else 0
            time.sleep(0.005)  # a clerk presses again, not a spinning loop that starves issuers
            continue
        called.append(ticket.label)
    out.put(("called", called))


def _run(url: str, config: Config) -> tuple[list[str], list[str]]:
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    issuers = [ctx.Process(target=_issuer, args=(url, config, i, out)) for i in range(ISSUERS)]
    # counters 1–4 exist in the default set-up; two processes per counter press "call next"
    callers = [
        ctx.Process(target=_caller, args=(url, config, 1 + i % 4, out, stop))
        for i in range(CALLERS)
    ]
    for p in (*issuers, *callers):
        p.start()
    results: list[tuple[str, list[str]]] = []
    for _ in issuers:
        results.append(out.get(timeout=240))
    stop.set()
    for _ in callers:
        results.append(out.get(timeout=240))
    for p in (*issuers, *callers):
        p.join(timeout=60)
        assert p.exitcode == 0
    issued = [label for kind, labels in results if kind == "issued" for label in labels]
    called = [label for kind, labels in results if kind == "called" for label in labels]
    return issued, called


def _check(db: Database, issued: list[str], called: list[str]) -> None:
    total = ISSUERS * TICKETS_EACH
    assert len(issued) == total and len(set(issued)) == total, "a number was issued twice"
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert sorted(called) == sorted(issued), "a ticket was never called"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == total
        stored = set(s.scalars(select(Ticket.label)))
        per_ticket = s.execute(
            select(TicketEvent.ticket_uuid, func.count())
            .where(TicketEvent.kind == "called")
            .group_by(TicketEvent.ticket_uuid)
        ).all()
        numbers = s.execute(select(Ticket.category_code, Ticket.number)).all()
    assert stored == set(issued), "a ticket its issuer got back is not in the database"
    assert len(per_ticket) == total and {n for _, n in per_ticket} == {1}
    by_category = Tally(code for code, _ in numbers)
    for code, count in by_category.items():
        assert sorted(n for c, n in numbers if c == code) == list(range(1, count + 1)), (
            "gap in numbers"
        )


def test_sqlite_file_under_concurrent_issue_and_call(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    db = upgraded(url, config)
    issued, called = _run(url, config)
    _check(db, issued, called)


@pytest.mark.usefixtures("pg_server")
def test_postgresql_under_concurrent_issue_and_call(tmp_path: Path, pg_server: str) -> None:
    config = make_config(tmp_path)
    url = fresh_pg_url(pg_server)
    db = upgraded(url, config)
    issued, called = _run(url, config)
    _check(db, issued, called)
