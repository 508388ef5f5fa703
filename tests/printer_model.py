"""The far end of a printer's line in the tests: answers DLE EOT status queries, keeps the job.

It sits on a pty's master side or a socket, where a real printer's bytes would come from:
the only stand-in in the printer tests, since a paper sensor cannot exist on a test machine.
"""

from __future__ import annotations

import os
import select
import threading

from escpos.constants import RT_STATUS

ONLINE, PAPER_OK = 0x12, 0x12


class PrinterModel:
    """The far end of the line: answers status queries, records the job bytes."""

    def __init__(self) -> None:
        self.answers: dict[int, int | bytes | None] = {1: ONLINE, 2: 0x12, 4: PAPER_OK}
        self.received = bytearray()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def serve(self, fd: int) -> None:
        """Answer on `fd`, a pty's master side or a socket, from a thread of its own."""
        thread = threading.Thread(target=self._run, args=(fd,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _run(self, fd: int) -> None:
        pending = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:  # the kiosk closed its connection
                return
            pending += chunk
            self._answer(fd, pending)

    def _answer(self, fd: int, pending: bytearray) -> None:
        """Answer each DLE EOT n in `pending`; keep the rest, or wait for a query's end."""
        while (i := pending.find(RT_STATUS[:1])) != -1:
            query = pending[i : i + 3]
            if not RT_STATUS.startswith(query[:2]):  # a 0x10 in a job (ESC t 16: CP1252)
                self.received += pending[: i + 1]
                del pending[: i + 1]
                continue
            self.received += pending[:i]
            del pending[:i]
            if len(query) < 3:
                return  # the query's last bytes are still on the way
            del pending[:3]
            answer = self.answers.get(query[2])
            if answer is not None:
                os.write(fd, answer if isinstance(answer, bytes) else bytes([answer]))
        self.received += pending
        pending.clear()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
