"""Live queue changes for Server-Sent Events, seen by polling the shared database.

The kiosk is another process, so nothing tells this server when a ticket is issued or
called. One poller per server reads the newest event number every few hundred
milliseconds and, when it moved, fans the queue's status out to every subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

POLL_SECONDS = 0.25
log = logging.getLogger(__name__)


class EventFeed:
    def __init__(
        self,
        *,
        latest_seq: Callable[[], int],
        snapshot: Callable[[], dict[str, Any]],
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.latest_seq = latest_seq
        self.snapshot = snapshot
        self.poll_seconds = poll_seconds
        self.seq = -1
        self.last: str | None = None
        self._subscribers: set[asyncio.Queue[str | None]] = set()
        self._task: asyncio.Task[None] | None = None

    async def _poll(self) -> None:
        failing = False
        while True:
            try:
                seq = await asyncio.to_thread(self.latest_seq)
                if seq != self.seq:
                    data = await asyncio.to_thread(self.snapshot)
                    self.seq = seq
                    self.last = json.dumps(data, ensure_ascii=False, default=str)
                    for q in list(self._subscribers):
                        q.put_nowait(self.last)
            except Exception:
                # The streams stay open and show the last data; the poller tries again. A
                # database that stays away is logged once, not every second.
                if not failing:
                    log.exception(
                        "the board's feed cannot read the queue (after event %s)", self.seq
                    )
                failing = True
                await asyncio.sleep(1)
            else:
                if failing:
                    log.info("the board's feed reads the queue again (event %s)", self.seq)
                failing = False
            await asyncio.sleep(self.poll_seconds)

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
