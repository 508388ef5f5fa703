"""A message received by letter, the paper box, e-mail, phone or in person, registered by staff.

The form fills a `kiosk.messages.Draft` and `Messages.submit` registers it, with the kiosk's
own validation; a scanned letter goes through `kiosk.attachments.check_scan`. A refused
input shows the form again with everything typed kept (a browser cannot be given the file
back: the message says to choose it again) and why, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.attachments import AttachmentError, Scan, check_scan
from kiosk.labels import CHANNELS, MESSAGE_KINDS, label
from kiosk.messages import RECEIVED_WITHIN, Draft, MessageInvalid, Messages
from kiosk.staff import Role, StaffAccount
from kiosk.vocabulary import Channel, MessageKind
from kiosk.web.deps import (
    SiteDep,
    StaffWeb,
    csrf_protect,
    language,
    render,
    require_role,
    translator,
)
from kiosk.web.errors import N_, error_text

router = APIRouter(tags=["register"])
Officer = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY))]

NEW_MESSAGE = "/register/new"
#: the channels staff register; the kiosk's messages register themselves
STAFF_CHANNELS = tuple(c for c in Channel if c is not Channel.KIOSK)
_CHANNEL_VALUES = {c.value for c in STAFF_CHANNELS}
_KIND_VALUES = {k.value for k in MessageKind}

#: what the form says of each field's refusal (kiosk.messages.MessageInvalid field, problem)
PROBLEMS: dict[tuple[str, str], str] = {
    ("received_on", "required"): N_("Give the date the message was received."),
    ("received_on", "future"): N_("The date received cannot be after today."),
    ("received_on", "too_early"): N_(
        "The date received may be {earliest} at the earliest: the charter's term for an"
        " answer starts on that day."
    ),
    ("text", "empty"): N_("Write the message's text."),
    ("text", "too_long"): N_("The text is longer than {limit} characters."),
    ("name", "too_long"): N_("The name is longer than {limit} characters."),
    ("contact", "too_long"): N_("The contact is longer than {limit} characters."),
    ("name", "required"): N_("Give the sender's name, or mark the message anonymous."),
    ("contact", "invalid"): N_("Give the sender's phone number or e-mail address."),
    ("consent", "required"): N_(
        "The sender's consent to the processing of personal data is required: tick it once"
        " the sender has given it, or mark the message anonymous."
    ),
}


@dataclass(frozen=True)
class Typed:
    """The form as typed, to show it again after a refusal."""

    channel: str = Channel.LETTER.value
    received_on: str = ""
    kind: str = MessageKind.COMPLAINT.value
    text: str = ""
    name: str = ""
    contact: str = ""
    anonymous: bool = False
    health_safety: bool = False
    consent: bool = False
    site: str = ""  # at the centre: the site the message is registered for


def problem_text(exc: MessageInvalid, messages: Messages, gettext: Callable[[str], str]) -> str:
    """The refusal of a field in words, with the limit it broke."""
    earliest = messages.today() - RECEIVED_WITHIN
    limits = {"text": messages.max_text, "name": 200, "contact": 200}
    text = PROBLEMS.get((exc.field, exc.problem))
    if text is None:
        return gettext("The message cannot be registered as it is: check its fields.")
    return gettext(text).format(
        earliest=earliest.strftime("%d.%m.%Y"), limit=limits.get(exc.field, "")
    )


async def read_scan(upload: UploadFile | None, *, max_bytes: int) -> Scan | None:
    """The uploaded file checked by its bytes; no file chosen is no scan."""
    if upload is None or not upload.filename:
        return None
    # one byte over the limit is enough to refuse it; the web's body limit bounds the rest
    data = await upload.read(max_bytes + 1)
    return check_scan(upload.filename, data, max_bytes=max_bytes)


def form_page(
    request: Request,
    account: StaffAccount,
    web: StaffWeb,
    messages: Messages,
    typed: Typed,
    *,
    error: str | None = None,
    error_field: str | None = None,
    status_code: int = 200,
    sites: tuple[str, ...] = (),
    **context: object,
) -> HTMLResponse:
    """The form: empty, or as typed with why it was refused; `sites` the centre's choice."""
    lang = language(request)
    today = messages.today()
    return render(
        request,
        "register/new.html",
        user=account,
        t=translator(request),
        channels=[(c.value, label(CHANNELS, c, lang)) for c in STAFF_CHANNELS],
        kinds=[(k.value, label(MESSAGE_KINDS, k, lang)) for k in MessageKind],
        typed=typed,
        today=today.isoformat(),
        earliest=(today - RECEIVED_WITHIN).isoformat(),
        max_mb=web.config.register.attachment_max_mb,
        error=error,
        error_field=error_field,
        sites=sites,
        status_code=status_code,
        **context,
    )


async def register_from_form(
    request: Request,
    account: StaffAccount,
    web: StaffWeb,
    messages: Messages,
    typed: Typed,
    scan: UploadFile | None,
    *,
    sites: tuple[str, ...] = (),
    done: Callable[[str], str] = lambda reg_number: f"/register/{reg_number}",
) -> Response:
    """Register the message the form describes and open `done(its number)`, or show the form
    again with what was typed and why it was refused."""
    gettext = translator(request)
    try:
        received_on = dt.date.fromisoformat(typed.received_on) if typed.received_on else None
    except ValueError:
        received_on = None
    try:
        draft = Draft(
            kind=MessageKind(typed.kind),
            channel=Channel(typed.channel),
            received_on=received_on,
            text=typed.text,
            name=typed.name,
            contact=typed.contact,
            anonymous=typed.anonymous,
            health_safety=typed.health_safety,
            consent=typed.consent,
        )
        # the fields first: a letter refused for its date is not read as a file at all
        messages.validate(draft)
        registration = messages.submit(
            draft,
            scan=await read_scan(scan, max_bytes=web.config.register.attachment_max_bytes),
        )
    except MessageInvalid as exc:
        return form_page(
            request,
            account,
            web,
            messages,
            typed,
            error=problem_text(exc, messages, gettext),
            error_field=exc.field,
            status_code=422,
            sites=sites,
        )
    except AttachmentError as exc:
        return form_page(
            request,
            account,
            web,
            messages,
            typed,
            error=error_text(exc, language(request)),
            error_field="scan",
            status_code=exc.status,
            sites=sites,
        )
    return RedirectResponse(done(registration.reg_number), status_code=303)


def _messages(site: SiteDep) -> Messages:
    return Messages(site.db, site.config, clock=site.clock)


@router.get(NEW_MESSAGE, response_class=HTMLResponse, include_in_schema=False)
def new_message(request: Request, account: Officer, site: SiteDep) -> Response:
    return form_page(request, account, site, _messages(site), Typed())


def typed_form(
    channel: Annotated[str, Form(max_length=12)] = Channel.LETTER.value,
    received_on: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=12)] = MessageKind.COMPLAINT.value,
    # no length limits here: the body limit bounds them, and the domain's refusal keeps
    # what was typed where a validation error would lose it
    text: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    anonymous: Annotated[bool, Form()] = False,
    health_safety: Annotated[bool, Form()] = False,
    consent: Annotated[bool, Form()] = False,
) -> Typed:
    """The form's fields as typed (a site's web and the centre's take the same)."""
    return Typed(
        channel=channel if channel in _CHANNEL_VALUES else Channel.LETTER.value,
        received_on=received_on,
        kind=kind if kind in _KIND_VALUES else MessageKind.COMPLAINT.value,
        text=text,
        name=name,
        contact=contact,
        anonymous=anonymous,
        health_safety=health_safety,
        consent=consent,
    )


@router.post(
    NEW_MESSAGE,
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
async def new_message_post(
    request: Request,
    account: Officer,
    site: SiteDep,
    typed: Annotated[Typed, Depends(typed_form)],
    scan: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return await register_from_form(request, account, site, _messages(site), typed, scan)
