"""Booking from home (issue #17): `/book` → a site → a service → a free slot and a contact
→ the code and the link `/b/<token>` to see, move or cancel the booking.

Only the centre's listener books (it holds the central database, `sync.bookings`); the
lobby's says where to. Nothing typed goes into a URL: the choices and the contact travel in
POST bodies, and a refused form comes back with everything typed still in it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.appointments import Slot
from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.mail import MailFailed, compose, send
from kiosk.messages import clean_text
from kiosk.vocabulary import ContactKind
from public_web.routes import language, refusal_text, render, texts
from sync.bookings import CentralBookings, Made, NewBooking, Offer, contact_kind

log = logging.getLogger(__name__)
router = APIRouter()

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: what a form field may hold: a name or a contact longer than this is no name or contact
MAX_FIELD = 200


def N_(message: str) -> str:
    return message


#: the form's refusals, by field (the booking's, by code, are in routes.REFUSALS)
FIELD_ERRORS = {
    "slot": N_("Please choose a time."),
    "name": N_("Please write your name."),
    "contact": N_(
        "Please write a phone number (at least six digits) or an e-mail address, "
        "e.g. 0888 123 456 or name@example.bg."
    ),
    "consent": N_("Please agree to the processing of your name and contact, or we cannot book."),
}


class NoBookingHere(KioskError):
    code = "no_booking_here"
    status = 404


def _bookings(request: Request) -> CentralBookings | None:
    return request.app.state.site.bookings


def _day_groups(slots: Iterable[Slot], config: Config, lang: str) -> list[dict[str, Any]]:
    """Slots by local day, each day with its name: what the form lists."""
    _ = texts(lang).gettext
    days: dict[dt.date, dict[str, Any]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(config.tz)
        day = days.setdefault(
            local.date(),
            {
                "title": _("{weekday}, {date}").format(
                    weekday=_(_WEEKDAYS[local.weekday()]), date=local.strftime("%d.%m.%Y")
                ),
                "slots": [],
            },
        )
        day["slots"].append({"value": slot.starts_at.isoformat(), "time": local.strftime("%H:%M")})
    return list(days.values())


def when(config: Config, at: dt.datetime, lang: str) -> str:
    _ = texts(lang).gettext
    local = at.astimezone(config.tz)
    return _("{weekday}, {date} at {time}").format(
        weekday=_(_WEEKDAYS[local.weekday()]),
        date=local.strftime("%d.%m.%Y"),
        time=local.strftime("%H:%M"),
    )


def _instant(value: str) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else None


@router.get("/book")
def sites_page(request: Request) -> Response:
    bookings = _bookings(request)
    public = request.app.state.site
    if bookings is None:
        return render(request, "book_elsewhere.html", booking_url=public.config.public.booking_url)
    found = bookings.sites()
    if len(found) == 1:
        return RedirectResponse(
            f"/book/{found[0].site_id}?lang={language(request)}", status_code=303
        )
    return render(request, "book_sites.html", sites=found)


@router.get("/book/{site_id}")
def services_page(request: Request, site_id: str) -> Response:
    bookings = _required(request)
    site = bookings.site(site_id)
    return render(request, "book_services.html", site=site, offers=bookings.offers(site_id))


def _form(
    request: Request,
    bookings: CentralBookings,
    offer: Offer,
    site_id: str,
    *,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    lang = language(request)
    free = bookings.free(site_id, offer.category_code)
    return render(
        request,
        "book_form.html",
        status_code=status_code,
        site=bookings.site(site_id),
        offer=offer,
        days=_day_groups(free, bookings.config, lang),
        typed=typed or {},
        errors=errors or {},
        refusal=refusal,
    )


@router.get("/book/{site_id}/{service_id}")
def form_page(request: Request, site_id: str, service_id: str) -> Response:
    bookings = _required(request)
    return _form(request, bookings, bookings.offer(site_id, service_id), site_id)


@router.post("/book/{site_id}/{service_id}")
async def book(
    request: Request,
    site_id: str,
    service_id: str,
    slot: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    consent: Annotated[bool, Form()] = False,
) -> Response:
    bookings = _required(request)
    lang = language(request)
    gettext = texts(lang).gettext
    offer = await asyncio.to_thread(bookings.offer, site_id, service_id)
    name, contact = clean_text(name)[:MAX_FIELD], clean_text(contact)[:MAX_FIELD]
    typed = {"slot": slot, "name": name, "contact": contact, "consent": consent}
    at = _instant(slot)
    failed = {
        field
        for field, bad in (
            ("slot", at is None),
            ("name", not name),
            ("contact", contact_kind(contact) is None),
            ("consent", not consent),
        )
        if bad
    }
    if failed:
        errors = {f: gettext(FIELD_ERRORS[f]) for f in failed}
        return await asyncio.to_thread(
            _form, request, bookings, offer, site_id, typed=typed, errors=errors, status_code=422
        )
    assert at is not None
    address = request.client.host if request.client else "?"
    try:
        made = await asyncio.to_thread(
            bookings.book,
            NewBooking(site_id, service_id, at, name, contact, lang, address),
        )
    except KioskError as exc:
        if exc.code == "slot_taken":
            typed["slot"] = ""
        return await asyncio.to_thread(
            _form,
            request,
            bookings,
            offer,
            site_id,
            typed=typed,
            refusal=refusal_text(exc, lang),
            status_code=exc.status,
        )
    mail = await asyncio.to_thread(_confirm, request, bookings, made, offer, contact)
    return RedirectResponse(f"/b/{made.token}?lang={lang}&made={mail}", status_code=303)


def manage_url(request: Request, token: str) -> str:
    base = request.app.state.site.config.public.base_url or str(request.base_url)
    return f"{base.rstrip('/')}/b/{token}"


def _confirm(
    request: Request, bookings: CentralBookings, made: Made, offer: Offer, contact: str
) -> str:
    """E-mail the confirmation if the contact is an address and mail is set up: "sent",
    "failed" (the reminder job retries) or "none"."""
    config = bookings.config
    if made.contact_kind is not ContactKind.EMAIL or not config.mail.enabled:
        return "none"
    letter = bookings.mail(
        made.booking, offer, to=contact, manage_url=manage_url(request, made.token)
    )
    try:
        send(config, compose(letter, sender=config.mail.from_address, tz=config.tz))
    except MailFailed as exc:
        log.warning("booking %s: confirmation not sent: %s", made.booking.code, exc)
        return "failed"
    bookings.confirmed(made.token)
    return "sent"


def _required(request: Request) -> CentralBookings:
    bookings = _bookings(request)
    if bookings is None:
        raise NoBookingHere("this listener takes no bookings")
    return bookings


@router.get("/b/{token}")
def booking_page(request: Request, token: str) -> Response:
    bookings = _required(request)
    booking = bookings.get(token)
    lang = language(request)
    offer = next(
        (o for o in bookings.offers(booking.site_id) if o.service.id == booking.service_id), None
    )
    made = request.query_params.get("made")
    return render(
        request,
        "booking.html",
        token=token,
        booking=booking,
        when=when(bookings.config, booking.starts_at, lang),
        site=bookings.site(booking.site_id),
        offer=offer,
        changeable=bookings.changeable(booking),
        link=manage_url(request, token),
        late_minutes=bookings.config.appointments.late_minutes,
        # what the redirect from the booking or the move says happened
        made=made if made in ("sent", "failed", "none") else None,
        moved=request.query_params.get("moved") == "1",
    )


@router.post("/b/{token}/cancel")
def cancel(request: Request, token: str) -> Response:
    _required(request).cancel(token)
    return RedirectResponse(f"/b/{token}?lang={language(request)}", status_code=303)


@router.get("/b/{token}/move")
def move_page(request: Request, token: str) -> Response:
    bookings = _required(request)
    booking = bookings.get(token)
    lang = language(request)
    free = (
        []
        if not bookings.changeable(booking)
        else bookings.free(booking.site_id, booking.category_code)
    )
    return render(
        request,
        "booking_move.html",
        token=token,
        booking=booking,
        when=when(bookings.config, booking.starts_at, lang),
        days=_day_groups(free, bookings.config, lang),
        typed={},
    )


@router.post("/b/{token}/move")
def move(request: Request, token: str, slot: Annotated[str, Form()] = "") -> Response:
    bookings = _required(request)
    at = _instant(slot)
    if at is None:
        return RedirectResponse(f"/b/{token}/move?lang={language(request)}", status_code=303)
    bookings.move(token, at)
    return RedirectResponse(f"/b/{token}?lang={language(request)}&moved=1", status_code=303)
