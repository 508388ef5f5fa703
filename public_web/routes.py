"""The live ticket: `/t/<token>` (the page), its stream, and "I'm leaving"."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gettext
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from kiosk.errors import KioskError
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations
from kiosk.live_ticket import LiveTicket
from kiosk.vocabulary import TicketStatus

router = APIRouter()
#: three or fewer ahead: the page tells the visitor to come to the lobby (and rings)
NEAR = 3


def language(request: Request) -> str:
    """The page's language: `?lang=`, else the phone's first choice between ours, else Bulgarian."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def texts(lang: str) -> gettext.NullTranslations:
    return translations(lang, "public_web")


def wording(
    state: LiveTicket, lang: str, *, tz: dt.tzinfo = dt.UTC, stale: bool = False
) -> dict[str, Any]:
    """What the page says of the ticket, in words: the page and its stream show the same.

    `stale`: the site has not reported lately (the centre's listener), said with the time
    its state is of."""
    catalogue = texts(lang)
    _, ngettext = catalogue.gettext, catalogue.ngettext
    detail = ""
    if state.status is TicketStatus.WAITING:
        headline = _("Your number is {label}").format(label=state.label)
        ahead = state.people_ahead or 0
        detail = (
            ngettext("{n} person ahead of you", "{n} people ahead of you", ahead).format(n=ahead)
            if ahead
            else _("You are next.")
        )
        if state.closed_counter is not None:
            # sent to that counter on purpose: no other calls it, and no estimate says when
            wait = _(
                "Counter {counter} is on a short break: your number keeps its place and is"
                " called there when it opens again."
            ).format(counter=state.closed_counter)
        elif state.wait_range:
            wait = _("Expected wait: {low}–{high} minutes").format(
                low=state.wait_range[0], high=state.wait_range[1]
            )
        elif state.wait_minutes:
            wait = _("Expected wait: about {minutes} minutes").format(minutes=state.wait_minutes)
        else:
            wait = _("A counter will call you in a moment.")
        detail = f"{detail}\n{wait}"
        if state.leaving:
            detail = _(
                "Your request to cancel was sent: the number is cancelled as soon as the "
                "office confirms."
            )
    elif state.status is TicketStatus.CALLED:
        headline = _("Your number {label} is called — counter {counter}").format(
            label=state.label, counter=state.counter
        )
        detail = _("Please go to counter {counter}.").format(counter=state.counter)
    elif state.status is TicketStatus.SERVING:
        headline = _("You are being served at counter {counter}").format(counter=state.counter)
    elif state.status is TicketStatus.DONE:
        headline = _("Number {label}: served. Thank you!").format(label=state.label)
    elif state.status is TicketStatus.NO_SHOW:
        headline = _("Number {label} was called but nobody came to the counter.").format(
            label=state.label
        )
        detail = _("Take a new ticket at the kiosk if you still need the service.")
    else:
        headline = _("Number {label} is cancelled.").format(label=state.label)
    time = state.as_of.astimezone(tz).strftime("%H:%M:%S")
    return {
        "label": state.label,
        "status": state.status.value,
        "headline": headline,
        "detail": detail,
        "near": state.status is TicketStatus.WAITING and (state.people_ahead or 0) < NEAR,
        "final": state.status in (TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED),
        "leaving": state.leaving,
        "stale": _("The office has not sent news since {time}: this may be out of date.").format(
            time=time
        )
        if stale
        else "",
        "as_of": state.as_of.isoformat(),
        "time": time,
    }


#: what changes with every report while nothing else does: sent as a keep-alive, not as news
CLOCK_KEYS = ("as_of", "time")


def words_of(request: Request, state: LiveTicket, lang: str) -> dict[str, Any]:
    public = request.app.state.site
    return wording(state, lang, tz=public.config.tz, stale=public.stale(state))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    public = request.app.state.site
    lang = language(request)
    return public.templates.TemplateResponse(
        request,
        template,
        {
            "_": texts(lang).gettext,
            "lang": lang,
            "other_lang": "en" if lang == "bg" else "bg",
            "site_name": public.config.site.name.get(lang),
            **context,
        },
        status_code=status_code,
    )


def N_(message: str) -> str:
    return message


#: a refusal's words by its code (kiosk.errors: a citizen never reads an English exception).
#: Not the staff web's `kiosk.web.errors.TEXTS`: where staff read the case ("Ticket А012 is
#: not waiting"), a citizen is told what to do next (cancel a booking, try tomorrow, call), in
#: this listener's own catalogue; the four texts both tables share are one wording for two
#: readers, free to part.
REFUSALS = {
    "unknown_ticket": N_("This link names no ticket. Check the address on your ticket."),
    "ticket_not_waiting": N_("Your number is no longer waiting, so it cannot be cancelled."),
    "unknown_booking": N_("This link names no booking. Check the address you were given."),
    "not_bookable": N_("This is not offered for booking. Start again from the list of services."),
    "no_booking_here": N_("Appointments are booked on the municipality's page, not here."),
    "slot_taken": N_("Someone else has just taken this time. Please choose another one."),
    "booking_closed": N_("This booking is cancelled or its time has passed: it cannot be changed."),
    "contact_limit": N_(
        "This phone number or e-mail address already holds as many bookings as one person "
        "may. Cancel one you no longer need, or come without booking."
    ),
    "address_limit": N_(
        "Too many bookings were made from this connection today. Please try again tomorrow "
        "or call the municipality."
    ),
    "day_limit": N_(
        "The citizens' pages take no more bookings today. Please try again tomorrow or call "
        "the municipality."
    ),
}


def refusal_text(exc: KioskError, lang: str) -> str:
    return texts(lang).gettext(REFUSALS.get(exc.code, N_("This cannot be done now.")))


def refusal_page(request: Request, exc: KioskError) -> Response:
    message = refusal_text(exc, language(request))
    return render(request, "refused.html", status_code=exc.status, message=message)


@router.get("/t/{token}", response_class=HTMLResponse)
def ticket_page(request: Request, token: str) -> Response:
    public = request.app.state.site
    state = public.state(token)
    lang = language(request)
    return render(
        request,
        "ticket.html",
        token=token,
        words=words_of(request, state, lang),
        heartbeat_s=public.heartbeat_s,
        site_name=(state.site_name or public.config.site.name).get(lang),
    )


@router.get("/t/{token}/events")
async def ticket_events(request: Request, token: str) -> Response:
    public = request.app.state.site
    lang = language(request)
    address = request.client.host if request.client else "?"
    # a malformed or unknown token is refused before a stream opens
    await asyncio.to_thread(public.state, token)
    if not public.limits.open_stream(address):
        return Response("too many open pages", status_code=429)

    async def stream() -> AsyncIterator[str]:
        changes = public.feed.subscribe()
        sent = None
        try:
            while True:
                # the board of the version the feed read: computed once for every stream
                state = await asyncio.to_thread(public.state, token, version=public.feed.seen)
                words = words_of(request, state, lang)
                payload = {k: v for k, v in words.items() if k not in CLOCK_KEYS}
                if payload != sent:
                    sent = payload
                    yield f"data: {json.dumps(words, ensure_ascii=False)}\n\n"
                else:  # a named event, so the page knows its data is still current
                    clock = {k: words[k] for k in CLOCK_KEYS}
                    yield f"event: alive\ndata: {json.dumps(clock)}\n\n"
                if words["final"]:
                    return
                with contextlib.suppress(TimeoutError):
                    # the waits move with the clock too: looked at again now and then
                    if await asyncio.wait_for(changes.get(), public.heartbeat_s) is None:
                        return  # the server is stopping
        finally:
            public.feed.unsubscribe(changes)
            public.limits.close_stream(address)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


@router.post("/t/{token}/leave")
def leave(request: Request, token: str) -> Response:
    public = request.app.state.site
    public.live.leave(token)
    # the page it redirects to, and every stream, show the request at once
    public.boards.changed()
    public.feed.changed()
    return RedirectResponse(f"/t/{token}?lang={language(request)}", status_code=303)
