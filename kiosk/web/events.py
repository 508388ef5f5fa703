"""Live queue changes for Server-Sent Events: one status per change, shared by every reader.

The kiosk is another process, so nothing tells this server when a ticket is issued or
called. One poller per server reads the newest event number every few hundred
milliseconds and, when it moved, fans the queue's status out to every subscriber. A change
made through this server (a clerk's call) wakes the poller at once (`EventFeed.changed`),
so the board does not wait for the next look. The status itself is computed once per
change (`SharedStatus`): the board's stream and every counter panel, which refetches its
view after each event, read the same one instead of each asking the database again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

POLL_SECONDS = 0.25
# Woken by every call of ten clerks, the feed would build a status after each, taking the
# server's time from the requests themselves: at most one per this gap, the rest coalesced.
MIN_GAP_SECONDS = 0.1
# A status this old is computed again even when nothing happened: the waits move with time.
STATUS_MAX_AGE = dt.timedelta(seconds=5)
log = logging.getLogger(__name__)
T = TypeVar("T")


class SharedStatus(Generic[T]):
    """A value computed from the queue once per change and handed to every reader.

    `version` is read before computing (the newest event numbers), so a reader gets a value
    that shows every change committed before it asked: a panel's refresh after its own call
    sees that call. Readers of a new version wait for one computation, not one each.
    `changed()` says this server wrote (on PostgreSQL a call may commit after one with a
    higher event number, which the version alone would not tell). The estimated waits move
    with the clock too: a value older than `max_age` on the site's clock is computed again.
    """

    def __init__(
        self,
        *,
        version: Callable[[], Hashable],
        compute: Callable[[], T],
        clock: Callable[[], dt.datetime],
        max_age: dt.timedelta = STATUS_MAX_AGE,
    ) -> None:
        self.version = version
        self.compute = compute
        self.clock = clock
        self.max_age = max_age
        self.computed = 0  # how many times it was computed: tests count the sharing
        self._changes = itertools.count(1)  # next() is atomic: any thread may say it changed
        self._generation = 0
        self._lock = threading.Lock()
        # (generation, version, computed at, value)
        self._held: tuple[int, Hashable, dt.datetime, T] | None = None

    def changed(self) -> None:
        self._generation = next(self._changes)

    def get(self, version: Hashable | None = None) -> T:
        """The value as of `version`, which a caller that already read it (a feed's poller)
        passes, so that a thousand readers of one change do not each read it again."""
        generation = self._generation
        version = self.version() if version is None else version
        with self._lock:
            held = self._held
            now = self.clock()
            if (
                held is None
                or held[:2] != (generation, version)
                or not (held[2] <= now < held[2] + self.max_age)
            ):
                held = self._held = (generation, version, now, self.compute())
                self.computed += 1
            return held[3]


class EventFeed:
    def __init__(
        self,
        *,
        version: Callable[[], Hashable],
        snapshot: Callable[[], dict[str, Any]],
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        #: what moves with a change another process makes: the newest queue event, and the
        #: newest set-up change, since an admin reopening a counter must wake its panel too
        self.version = version
        self.snapshot = snapshot
        self.poll_seconds = poll_seconds
        self.seen: Hashable | None = None  # the version last sent; None before the first
        self.last: str | None = None
        self._subscribers: set[asyncio.Queue[str | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._forced = False

    def changed(self) -> None:
        """This server just changed the queue (from any thread): the poller sends it now, even
        when the newest event number did not move (a call that committed after a later one)."""
        self._forced = True
        task, wake = self._task, self._wake
        if task is not None and wake is not None and not task.done():
            task.get_loop().call_soon_threadsafe(wake.set)

    async def _poll(self) -> None:
        failing = False
        wake = self._wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        built_at = -MIN_GAP_SECONDS
        while True:
            # cleared before reading: a change committed after the read wakes it again
            wake.clear()
            forced, self._forced = self._forced, False
            try:
                version = await asyncio.to_thread(self.version)
                if version != self.seen or self.last is None or forced:
                    data = await asyncio.to_thread(self.snapshot)
                    built_at = loop.time()
                    self.seen = version
                    self.last = json.dumps(data, ensure_ascii=False, default=str)
                    for q in list(self._subscribers):
                        q.put_nowait(self.last)
            except Exception:
                # The streams stay open and show the last data; the poller tries again. A
                # database that stays away is logged once, not every second.
                if not failing:
                    log.exception("the board's feed cannot read the queue (after %s)", self.seen)
                failing = True
                await asyncio.sleep(1)
            else:
                if failing:
                    log.info("the board's feed reads the queue again (at %s)", self.seen)
                failing = False
            # Changes that come while a snapshot is built are coalesced into the next one.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.poll_seconds)
            await asyncio.sleep(max(0.0, built_at + MIN_GAP_SECONDS - loop.time()))

    def subscribe(self) -> asyncio.Queue[str | None]:
        """A queue of the board's data as JSON; None in it means the server is stopping."""
        loop = asyncio.get_running_loop()
        # A server restarted in the same process runs a new loop: the old poller is gone with it.
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._poll())
        q: asyncio.Queue[str | None] = asyncio.Queue()
        if self.last is not None:
            q.put_nowait(self.last)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[str | None]) -> None:
        self._subscribers.discard(q)

    async def close(self) -> None:
        """Stop polling and end every stream: a lobby TV never hangs up by itself."""
        for q in list(self._subscribers):
            q.put_nowait(None)
        if self._task is not None and self._task.get_loop() is asyncio.get_running_loop():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
