"""Per-address limits of the citizens' pages: requests per minute and open live streams.

In the process's memory: the pages are one process (uvicorn), and a limit that resets
with a restart costs nothing a visitor could use. Fixed one-minute windows; the oldest
windows are dropped as they end, so the table never grows past the addresses of a minute.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable


class AddressLimits:
    def __init__(
        self,
        *,
        per_minute: int,
        streams: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.streams = streams
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._window = -1
        self._counts: Counter[str] = Counter()
        self._open: Counter[str] = Counter()

    def admit(self, address: str) -> bool:
        """Count a request from `address`; False once it is over the minute's allowance."""
        window = int(self.monotonic() // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, Counter()
            self._counts[address] += 1
            return self._counts[address] <= self.per_minute

    def open_stream(self, address: str) -> bool:
        with self._lock:
            if self._open[address] >= self.streams:
                return False
            self._open[address] += 1
            return True

    def close_stream(self, address: str) -> None:
        with self._lock:
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]
