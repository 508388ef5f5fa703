"""The board's spoken calls, made only for calls that happened and kept for the last few.

The URL names a call by its event number, so an anonymous request can ask only for what
the queue recorded today; the sound is kept in memory for the newest `size` calls and the
announcer's file is removed once read, so neither the disk nor memory grows with requests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from kiosk.queue import Call

CACHED_CALLS = 48  # a busy hour's calls in both languages, some 200 KB each


class Announcer(Protocol):
    def call_wav(self, label: str, counter: int, language: str) -> Path: ...

    def chime_wav(self) -> Path: ...


class Announcements:
    def __init__(self, announcer: Announcer, *, size: int = CACHED_CALLS) -> None:
        self.announcer = announcer
        self.size = size
        self._sounds: OrderedDict[tuple[int, str], bytes] = OrderedDict()
        # One call is made at a time: a burst of requests cannot start a burst of espeak-ng.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sounds)

    def wav(self, call: Call, language: str) -> bytes:
        """The chime and "Номер А 23, гише 3" for that call, as WAV bytes."""
        key = (call.event_seq, language)
        with self._lock:
            if key in self._sounds:
                self._sounds.move_to_end(key)
                return self._sounds[key]
            path = self.announcer.call_wav(call.label, call.counter_number, language)
            sound = path.read_bytes()
            if path != self.announcer.chime_wav():  # the chime alone is one file, kept
                path.unlink(missing_ok=True)
            self._sounds[key] = sound
            while len(self._sounds) > self.size:
                self._sounds.popitem(last=False)
            return sound
