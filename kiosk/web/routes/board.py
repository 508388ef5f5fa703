"""The lobby board: its page, its data, the live stream and the spoken calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES
from kiosk.web.board import board_payload, hours_text
from kiosk.web.deps import OptionalUser, SiteDep, language, render

router = APIRouter(tags=["board"])
KEEPALIVE_SECONDS = 15
DISCONNECT_CHECK_SECONDS = 1.0


@router.get("/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request, site: SiteDep, user: OptionalUser):
    return render(
        request,
        "board.html",
        user=user,
        hours=hours_text(site.queue.hours, language(request)),
        board=board_payload(site.status.get()),
    )


@router.get("/api/board")
def board_data(site: SiteDep) -> dict[str, Any]:
    """The last calls with the counter that made each, and the waiting per category."""
    return board_payload(site.status.get())


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
                if data is None:  # the server is stopping; the board reconnects by itself
                    break
                quiet = 0.0
                yield f"event: queue\ndata: {data}\n\n"
        finally:
            site.feed.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/api/announce/{event_seq}.wav", response_class=Response)
def announcement(
    event_seq: Annotated[int, Path(ge=1, le=2**62)],
    site: SiteDep,
    lang: Annotated[str, Query(max_length=2)] = DEFAULT_LANGUAGE,
) -> Response:
    """The chime and the spoken call "Номер А 23, гише 3" of today's call with that event number."""
    if lang not in LANGUAGES:
        raise HTTPException(status_code=422, detail="not a language of this server")
    call = site.queue.call(event_seq=event_seq)
    if site.announcements is None or call is None:
        raise HTTPException(status_code=404, detail="no such call today")
    return Response(
        site.announcements.wav(call, lang),
        media_type="audio/wav",
        headers={"Cache-Control": "max-age=86400"},
    )
