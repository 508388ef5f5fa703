"""Group commit on a SQLite file: writers of one process share a transaction, each in a
savepoint; one COMMIT for the batch; nobody's `with` returns before it; batches are bounded
so another process gets its turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from kiosk.db import GROUP_LIMIT, Database, NestedWrite, WriteBusy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    db = Database(url)
    with db.write() as s:
        s.execute(text("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    db.dispose()
    return url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    db = Database(url)
    yield db
    db.dispose()


def _mark(db: Database, who: str) -> None:
    with db.write() as s:
        s.execute(text("INSERT INTO marks (who) VALUES (:who)"), {"who": who})


def _stored(db: Database) -> list[str]:
    """The marks a new connection sees: committed ones only."""
    with db.read() as s:
        return list(s.scalars(text("SELECT who FROM marks ORDER BY id")))


def _commits(db: Database) -> list[int]:
    """Counts the COMMITs of `db`'s writers from now on (one list item each)."""
    commits: list[int] = []
    event.listen(db.write_engine, "commit", lambda _conn: commits.append(1))
    return commits


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the writers never queued"
        time.sleep(0.005)


class _Writers:
    """A first writer that holds its body open until `release()`, and writers queued behind it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.errors: dict[str, BaseException] = {}
        self.seen_after: dict[str, list[str]] = {}
        self._inside = threading.Event()
        self._release = threading.Event()
        self._threads: list[threading.Thread] = []

    def _run(self, who: str, body: Callable[[Session], None]) -> None:
        try:
            with self.db.write() as s:
                s.execute(text("INSERT INTO marks (who) VALUES (:who)"), {"who": who})
                body(s)
        except BaseException as exc:  # the test reads each writer's outcome
            self.errors[who] = exc
            return
        self.seen_after[who] = _stored(self.db)  # what is stored when its `with` returned

    def first(self) -> None:
        def hold(_: Session) -> None:
            self._inside.set()
            self._release.wait()

        self._start("first", hold)
        self._inside.wait()

    def queue(self, who: str, body: Callable[[Session], None] = lambda _: None) -> None:
        before = self.db._queue.waiting
        self._start(who, body)
        _until(lambda: self.db._queue.waiting == before + 1)  # in this order

    def release(self) -> None:
        self._release.set()
        for t in self._threads:
            t.join(timeout=60)
            assert not t.is_alive()

    def _start(self, who: str, body: Callable[[Session], None]) -> None:
        t = threading.Thread(target=self._run, args=(who, body))
        self._threads.append(t)
        t.start()


def test_a_writer_that_raises_in_a_batch_loses_only_its_own_rows(db: Database) -> None:
    commits = _commits(db)
    writers = _Writers(db)
    # GIVEN a writer with its turn and three more queued behind it, the second of them failing
    writers.first()

    def fail(_: Session) -> None:
        raise ValueError("this visitor's step is refused")

    writers.queue("b")
    writers.queue("c", fail)
    writers.queue("d")
    # WHEN the first one's body ends
    writers.release()
    # THEN one COMMIT stored the batch: everyone's row but the failing writer's
    assert len(commits) == 1
    assert sorted(_stored(db)) == ["b", "d", "first"]
    assert isinstance(writers.errors.pop("c"), ValueError) and not writers.errors
    # and no `with` returned before its row was committed (a new connection saw it)
    for who, seen in writers.seen_after.items():
        assert who in seen


def test_a_batch_holds_at_most_group_limit_writers(db: Database) -> None:
    commits = _commits(db)
    writers = _Writers(db)
    writers.first()
    for n in range(GROUP_LIMIT + 4):
        writers.queue(f"w{n}")
    writers.release()
    assert not writers.errors
    assert len(_stored(db)) == GROUP_LIMIT + 5
    # the first batch is the holder and 15 of the queue, the next the 5 left
    assert len(commits) == 2


def test_a_failure_that_takes_the_transaction_fails_the_writers_before_it(db: Database) -> None:
    """SQLite rolls a whole transaction back itself on some errors (a full disk, an I/O
    error): the batch's writers before that one must then not return as if stored."""
    writers = _Writers(db)
    writers.first()

    def lose_the_transaction(s: Session) -> None:
        # a full disk cannot be had on the test's disk; a ROLLBACK ends the transaction alike
        s.connection().exec_driver_sql("ROLLBACK")
        raise OSError("the disk is full")

    writers.queue("b")
    writers.queue("lost", lose_the_transaction)
    writers.queue("after")
    writers.release()
    # THEN the writers of the lost transaction get its error, the next one begins a new batch
    assert _stored(db) == ["after"]
    assert set(writers.errors) == {"first", "b", "lost"}
    assert all(isinstance(e, OSError) for e in writers.errors.values())


def test_a_write_inside_a_write_raises_at_once(db: Database) -> None:
    with db.write() as s:
        s.execute(text("INSERT INTO marks (who) VALUES ('outer')"))
        with pytest.raises(NestedWrite), db.write():
            pass
        with pytest.raises(NestedWrite), db.hold_writers(wait=True):
            pass
        with pytest.raises(NestedWrite), db.write_if_free():
            pass
    assert _stored(db) == ["outer"]
    _mark(db, "next")  # the turn was given back
    assert _stored(db) == ["outer", "next"]


def test_a_turn_not_reached_in_time_is_write_busy(url: str) -> None:
    db = Database(url, busy_timeout_ms=200)
    other = Database(url)  # as another process: the file's turn, not this one's queue
    try:
        # WHEN a thread of this process holds the turn past the timeout THEN WriteBusy
        held, done = threading.Event(), threading.Event()

        def hold() -> None:
            with db.hold_writers(wait=True):
                held.set()
                done.wait()

        t = threading.Thread(target=hold)
        t.start()
        held.wait()
        with pytest.raises(WriteBusy):
            _mark(db, "too late")
        done.set()
        t.join()
        # WHEN another holds the file's turn past the timeout THEN WriteBusy too
        with other.hold_writers(wait=True), pytest.raises(WriteBusy):
            _mark(db, "too late")
        _mark(db, "in time")
        assert _stored(db) == ["in time"]
    finally:
        db.dispose()
        other.dispose()


# A process with writer threads in a tight loop: each prints a mark once its `with` returned
# (then "ack <who>"), and when stdin closes the largest batch it saw and how many commits.
# A third argument makes each commit 50 ms slower, as on a slow disk.
_STREAM = """
import sys, threading, time
from sqlalchemy import event, text
from kiosk.db import Database

db = Database(sys.argv[1])
stop = threading.Event()
out = threading.Lock()
batch, largest, commits = [0], [0], [0]

def savepoint(*_):
    batch[0] += 1

def commit(_):
    largest[0] = max(largest[0], batch[0])
    batch[0] = 0
    commits[0] += 1

event.listen(db.write_engine, "savepoint", savepoint)
event.listen(db.write_engine, "commit", commit)
if len(sys.argv) > 3:
    event.listen(db.write_engine, "commit", lambda _: time.sleep(0.05))

def writer(n):
    i = 0
    while not stop.is_set():
        who = f"s{n}-{i}"
        with db.write() as s:
            s.execute(text("INSERT INTO marks (who) VALUES (:who)"), {"who": who})
        with out:
            print("ack", who, flush=True)
        i += 1

threads = [threading.Thread(target=writer, args=(n,)) for n in range(int(sys.argv[2]))]
for t in threads:
    t.start()
sys.stdin.read()
stop.set()
for t in threads:
    t.join()
print("done", largest[0], commits[0], flush=True)
"""


def _stream(url: str, threads: int, *, slow: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _STREAM, url, str(threads), *(["slow"] if slow else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_every_acknowledged_write_is_there_after_sigkill(url: str, db: Database) -> None:
    # GIVEN a process whose eight threads write in a tight loop, saying when each returned,
    # its commits slow: a write said to be done before its commit would be lost
    writer = _stream(url, 8, slow=True)
    assert writer.stdout is not None
    acknowledged: list[str] = []
    try:
        while len(acknowledged) < 100:
            line = writer.stdout.readline()
            assert line.startswith("ack "), line
            acknowledged.append(line.split()[1])
        # WHEN it is killed right after, its writers in the middle of a batch
        os.kill(writer.pid, signal.SIGKILL)
        acknowledged += [line.split()[1] for line in writer.stdout if line.startswith("ack ")]
    finally:
        writer.kill()
        writer.wait()
    # THEN every write whose `with` had returned is there on reopening
    assert writer.returncode == -signal.SIGKILL
    db.dispose()
    reopened = Database(url)
    try:
        missing = set(acknowledged) - set(_stored(reopened))
    finally:
        reopened.dispose()
    assert not missing, f"{len(missing)} acknowledged writes lost"


def test_another_process_gets_its_turn_among_a_stream_of_writers(url: str) -> None:
    # GIVEN a process (the web server's, say) with more threads writing without a pause
    # than a batch may hold
    stream = _stream(url, GROUP_LIMIT + 4)
    assert stream.stdin is not None and stream.stdout is not None
    # and another (the kiosk's), which waits for its turn up to the busy timeout (10 s)
    kiosk = Database(url)
    try:
        for _ in range(50):  # the stream is under way
            assert stream.stdout.readline().startswith("ack ")
        # WHEN it writes 30 times meanwhile THEN each gets its turn
        for n in range(30):
            _mark(kiosk, f"kiosk-{n}")
        stream.stdin.close()
        *_, last = stream.stdout
    finally:
        stream.kill()
        stream.wait()
        kiosk.dispose()
    _, largest, commits = last.split()
    # the stream's batches were bounded, and it went on writing between the kiosk's writes
    assert 1 < int(largest) <= GROUP_LIMIT, "no batch, or one too large"
    reopened = Database(url)
    try:
        stored = _stored(reopened)
    finally:
        reopened.dispose()
    ours = [i for i, who in enumerate(stored) if who.startswith("kiosk-")]
    assert len(ours) == 30
    assert any(not who.startswith("kiosk-") for who in stored[ours[0] : ours[-1]])
    assert int(commits) > 1
