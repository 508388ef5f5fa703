"""uvicorn for the staff web, ending the live streams first when asked to stop.

uvicorn's graceful shutdown waits for every open response to finish; a board's event
stream never does, so a SIGTERM would wait out the whole grace period with a TV connected.
systemd hears READY=1 once the socket listens, and WATCHDOG=1 from uvicorn's own tick on
the event loop: a loop blocked by a handler goes quiet and is restarted.
"""

from __future__ import annotations

import gc
import socket
import time

import uvicorn
from fastapi import FastAPI

from kiosk.service_manager import ServiceManager

GRACE_SECONDS = 3  # for a request still running after the streams ended (a report, say)


class StaffWebServer(uvicorn.Server):
    def __init__(
        self,
        app: FastAPI,
        *,
        host: str,
        port: int,
        log_level: str = "warning",
        proxy: str | None = None,
    ) -> None:
        """`proxy`: the reverse proxy's address, whose X-Forwarded-For and -Proto are believed
        (the sign-in limit counts the browser's address, not the proxy's); None believes none."""
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=log_level,
                proxy_headers=proxy is not None,
                forwarded_allow_ips=proxy or "",
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        )
        self.app = app
        self.service_manager = ServiceManager()
        self._pinged = 0.0

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        """Serve until asked to stop. On Ctrl-C (SIGINT) uvicorn stops gracefully, frees the
        port, then raises the signal again for its caller, and Python makes it a
        KeyboardInterrupt with a traceback; the caller is the command line, where a stop the
        operator asked for is no failure, so it ends here and the command exits 0. SIGTERM
        still ends the process by its signal, as systemd expects of a stopped service."""
        try:
            super().run(sockets)
        except KeyboardInterrupt:
            return

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:  # else uvicorn could not bind, and exits
            # The start's objects (the app, its routes, SQLAlchemy's mappers: most of the heap)
            # live as long as the process: out of the collector's reach, a full collection
            # no longer walks them. Each one had stopped every request for 140–170 ms, the
            # slowest hundredth of the clerks' calls (bench/counter_load.py).
            gc.freeze()
            self.service_manager.ready(f"listening on {self.config.host}:{self.config.port}")

    async def on_tick(self, counter: int) -> bool:
        every = self.service_manager.ping_every_s
        if every and time.monotonic() - self._pinged >= every:
            self.service_manager.alive()
            self._pinged = time.monotonic()
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.service_manager.stopping()
        await self.app.state.site.close()
        await super().shutdown(sockets)
