"""uvicorn for the staff web, ending the live streams first when asked to stop.

uvicorn's graceful shutdown waits for every open response to finish; a board's event
stream never does, so a SIGTERM would wait out the whole grace period with a TV connected.
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

GRACE_SECONDS = 3  # for a request still running after the streams ended (a report, say)


class StaffWebServer(uvicorn.Server):
    def __init__(self, app: FastAPI, *, host: str, port: int, log_level: str = "warning") -> None:
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=log_level,
                proxy_headers=False,
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        )
        self.app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.app.state.site.feed.close()
        await super().shutdown(sockets)
