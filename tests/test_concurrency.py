"""Eight processes issuing and eight calling on one database: no duplicate, no double call, no loss."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import random
import time
from collections import Counter as Tally
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty

import pytest
from sqlalchemy import func, select

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import QueueState, Ticket, TicketEvent
from kiosk.queue import Arrival, Queue
from tests.support import WORKING_MORNING, fresh_pg_url, make_config, upgraded

ISSUERS = 8
CALLERS = 8
TICKETS_EACH = 40
CATEGORIES = "АБВГ"


def _queue(url: str, config: Config) -> Queue:
    fixed = WORKING_MORNING.astimezone(dt.UTC)
    # sixteen writers on two shared cores: SQLite's busy handler is not fair, and on a
    # loaded machine a writer can wait past the 10 s default; this test is about
    # correctness, so it gives the lock a minute
    return Queue(Database(url, busy_timeout_ms=60_000), config, clock=lambda: fixed)


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
        # the clerk says each visitor came: this test is about who gets which ticket
        ticket = queue.call_next(counter=counter, previous=Arrival.ARRIVED)
        # a clerk presses again after a moment, not in a spinning loop that starves issuers
        time.sleep(random.uniform(0.0, 0.005))
        if ticket is None:
            idle_rounds = idle_rounds + 1 if stop.is_set() else 0
            continue
        called.append(ticket.label)
    out.put(("called", called))


def _result(out: mp.Queue, processes: tuple[BaseProcess, ...]) -> tuple[str, list[str]]:
    """The next process's report; fails at once if a process died without one."""
    while True:
        try:
            return out.get(timeout=1)
        except Empty:
            dead = [p.name for p in processes if p.exitcode not in (None, 0)]
            assert not dead, f"{dead} died: see the captured stderr"


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
    processes = (*issuers, *callers)
    results: list[tuple[str, list[str]]] = []
    try:
        for p in processes:
            p.start()
        while len(results) < ISSUERS:
            results.append(_result(out, processes))
        stop.set()
        while len(results) < ISSUERS + CALLERS:
            results.append(_result(out, processes))
        for p in processes:
            p.join(timeout=60)
            assert p.exitcode == 0
    finally:
        for p in processes:  # a failed run must not leave callers pressing forever
            if p.is_alive():
                p.kill()
                p.join()
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
        steps = s.execute(
            select(TicketEvent.counter_number, TicketEvent.kind, TicketEvent.ticket_uuid)
            .where(TicketEvent.kind.in_(["called", "done"]))
            .order_by(TicketEvent.seq)
        ).all()
        statuses = set(s.scalars(select(QueueState.status)))
    assert stored == set(issued), "a ticket its issuer got back is not in the database"
    assert len(per_ticket) == total and {n for _, n in per_ticket} == {1}
    # a counter holds one ticket at a time, though two processes press "call next" for it
    # at once: in commit order, each call follows the finish of the counter's previous ticket
    holding: dict[int, object] = {}
    for counter, kind, ticket in steps:
        if kind == "called":
            assert holding.get(counter) is None, f"counter {counter} called a second ticket"
            holding[counter] = ticket
        else:
            assert holding.get(counter) == ticket
            holding[counter] = None
    assert statuses == {"done"}  # the callers' last presses finished every ticket
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
