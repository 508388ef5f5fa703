"""The lobby board: its page, its data, the live stream and the spoken calls."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from kiosk.i18n import LANGUAGES
from kiosk.web.board import board_payload, hours_text
from kiosk.web.deps import OptionalUser, SiteDep, language, render

router = APIRouter(tags=["board"])
KEEPALIVE_SECONDS = 15
DISCONNECT_CHECK_SECONDS = 1.0
LABEL = re.compile(r"^[A-ZА-Я]\d{3}$")


@router.get("/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request, site: SiteDep, user: OptionalUser):
    return render(
        request,
        "board.html",
        user=user,
        hours=hours_text(site.queue.hours, language(request)),
        board=board_payload(site.queue),
    )


@router.get("/api/board")
def board_data(site: SiteDep) -> dict[str, Any]:
    """The last calls with the counter that made each, and the waiting per category."""
    return board_payload(site.queue)


@router.get("/api/events", response_class=StreamingResponse)
async def events(request: Request, site: SiteDep) -> StreamingResponse:
    """Server-Sent Events: the board's data again whenever the queue changes."""
    queue = site.feed.subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            quiet = 0.0
            while not await request.is_disconnected():
                try:
                    data = await asyncio.wait_for(queue.get(), DISCONNECT_CHECK_SECONDS)
                except TimeoutError:
                    quiet += DISCONNECT_CHECK_SECONDS
                    if quiet >= KEEPALIVE_SECONDS:
                        quiet = 0.0
                        yield ": keepalive\n\n"
                    continue
                quiet = 0.0
                yield f"event: queue\ndata: {data}\n\n"
        finally:
            site.feed.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/api/announce.wav", response_class=FileResponse)
def announcement(
    label: Annotated[str, Query(max_length=4)],
    counter: Annotated[int, Query(ge=1, le=999)],
    site: SiteDep,
    lang: Annotated[str, Query(max_length=2)] = "bg",
) -> Response:
    """The chime and the spoken call "Номер А 23, гише 3" as a WAV file."""
    if site.announcer is None:
        raise HTTPException(status_code=404, detail="no announcer on this server")
    if not LABEL.match(label) or lang not in LANGUAGES:
        raise HTTPException(status_code=422, detail="not a ticket number or language")
    path = site.announcer.call_wav(label, counter, lang)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})
