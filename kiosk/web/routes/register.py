"""The complaint register for admin and quality staff: list, filters, handling, letters, alerts.

The centre's web serves the same pages over every site's messages: it replaces
`register_view` (central_web/routes/register.py), and an entry's pages then carry its site
as `?site=`, since two sites may number alike. The centre's auditor reads the list and an
entry's state, due dates and history, without the complainant's data and without a button
(only a site's web has no auditor: its accounts cannot take the role).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.alerts import current_alerts
from kiosk.attachments import AttachmentInfo, may_see_personal_data
from kiosk.labels import review_note_text
from kiosk.messages import Kind
from kiosk.register import Entry, Filter, Register, RegisterError, Status
from kiosk.reports.render.letters import render_letter
from kiosk.reports.render.publish import stylesheet
from kiosk.reports.wording import channel_text, kind_text, status_text, step_text, translator
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import SiteDep, WebDep, csrf_protect, language, render, require_role
from kiosk.web.errors import error_text

router = APIRouter(tags=["register"])
Officer = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY))]
#: who reads the register: the officers, and at the centre the auditor
Reader = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY, Role.AUDITOR))]
#: the roles that take a step; the auditor changes nothing
OFFICERS = (Role.ADMIN, Role.QUALITY)
LETTERS = {"answer": Status.ANSWERED, "extension": Status.EXTENDED}


@dataclass(frozen=True)
class RegisterView:
    """The register a web's pages work on, and what differs between a site's and the centre's."""

    register: Register
    #: the sites to filter by, None on a site's web (it holds its own messages only)
    sites: list[str] | None = None
    #: the site the request named (`?site=`), carried into every link of the centre's pages
    site: str | None = None

    def href(self, entry: Entry, tail: str = "") -> str:
        """An entry's page (or one under it), naming its site at the centre."""
        url = f"/register/{entry.reg_number}{tail}"
        return f"{url}?site={entry.site_id}" if self.sites is not None else url

    def alerts(self) -> list[Any]:
        # the site's own alerts; the centre's overview of every site is the Sites page's
        if self.sites is not None:
            return []
        return current_alerts(self.register.db, self.register.config, now=self.register.clock())


def register_view(site: SiteDep) -> RegisterView:
    return RegisterView(Register(site.db, site.config, clock=site.clock))


View = Annotated[RegisterView, Depends(register_view)]


@router.get("/register", response_class=HTMLResponse, include_in_schema=False)
def register_list(
    request: Request,
    account: Reader,
    web: WebDep,
    view: View,
    filter: Filter = Filter.OPEN,
    kind: Kind | None = None,
) -> Response:
    register = view.register
    lang = language(request)
    return render(
        request,
        "register/list.html",
        user=account,
        t=translator(lang),
        kind_text=lambda k: kind_text(k, lang),
        status_text=lambda s: status_text(s, lang),
        entries=register.entries(filter=filter, kind=kind),
        filter=filter,
        filters=list(Filter),
        kind=kind,
        kinds=list(Kind),
        view=view,
        today=register.today(),
        local=lambda at: at.astimezone(web.config.tz),
        alerts=view.alerts(),
        may_change=account.role in OFFICERS,
    )


# the register's own few rules: the web's CSP allows no inline styles; a message and its
# answer keep their line breaks (a letter typed in from paper has paragraphs)
REGISTER_CSS = "tr.overdue td, .overdue { background: #fde2e1; } .flagged { background: #fff3c4; } .filters a[aria-current] { font-weight: bold; } .message-text, .answer-text { white-space: pre-wrap; }"


@router.get("/register/{name}.css", include_in_schema=False)
def register_css(account: Reader, name: str) -> Response:
    if name == "letter":
        return Response(stylesheet("letter.css"), media_type="text/css")
    if name == "register":
        return Response(REGISTER_CSS, media_type="text/css")
    raise HTTPException(status_code=404)


def _entry_page(
    request: Request,
    account: StaffAccount,
    web: WebDep,
    view: RegisterView,
    entry: Entry,
    *,
    personal: object,
) -> Response:
    """One message's page: its handling steps, its personal data when just asked for, and a
    refused step's message with what was typed (the refusal redirected here).

    Where another desk handles the message's site, the page reads it and says who acts; to
    the auditor it shows no step, no letter and none of the complainant's data.
    """
    lang = language(request)
    register = view.register
    handled_here = register.handles(entry.site_id)
    refused = web.flashes.get(request, page=view.href(entry))
    return render(
        request,
        "register/entry.html",
        user=account,
        t=translator(lang),
        kind_text=lambda k: kind_text(k, lang),
        channel_text=lambda c: channel_text(c, lang),
        status_text=lambda s: status_text(s, lang),
        step_text=lambda k: step_text(k, lang),
        note_text=lambda n: review_note_text(n, lang),
        entry=entry,
        view=view,
        may_change=account.role in OFFICERS,
        may_see_personal=may_see_personal_data(account.role),
        handled_here=handled_here,
        handled_elsewhere=None if handled_here else error_text(register.desk.elsewhere(), lang),
        history=register.history(entry.uuid),
        today=register.today(),
        local=lambda at: at.astimezone(web.config.tz),
        personal=personal,
        attachments=register.scans(entry.uuid),
        error=error_text(refused["error"], lang) if refused else None,
        typed=refused["typed"] if refused else {},
        names=_display_names(web),
    )


def _display_names(web: WebDep) -> dict[str, str]:
    """Staff display names by username: the register records who acted by username only."""
    return {a.username: a.display_name for a in web.staff.accounts()}


@router.get("/register/{reg_number}", response_class=HTMLResponse, include_in_schema=False)
def register_entry(
    request: Request, account: Reader, web: WebDep, view: View, reg_number: str
) -> Response:
    entry = view.register.find(reg_number)
    return _entry_page(request, account, web, view, entry, personal=None)


@router.post(
    "/register/{reg_number}/personal",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
def register_personal(
    request: Request, account: Officer, web: WebDep, view: View, reg_number: str
) -> Response:
    """Show the complainant's name and contact; the view is recorded with who looked."""
    entry = view.register.find(reg_number)
    personal = view.register.personal_data(
        message_uuid=entry.uuid, actor=account.username, role=account.role.value
    )
    return _entry_page(request, account, web, view, entry, personal=personal)


@router.post(
    "/register/{reg_number}/{step}", include_in_schema=False, dependencies=[Depends(csrf_protect)]
)
def register_step(
    request: Request,
    account: Officer,
    web: WebDep,
    view: View,
    reg_number: str,
    step: str,
    text: Annotated[str, Form(max_length=10000)] = "",
    final_due_date: Annotated[dt.date | None, Form()] = None,
) -> Response:
    register = view.register
    entry = register.find(reg_number)
    # one identity in the audit trail: steps, like personal-data views, under the username
    actor = account.username
    try:
        if step == "review":
            register.start_review(message_uuid=entry.uuid, actor=actor)
        elif step == "extend" and final_due_date is not None:
            register.extend(
                message_uuid=entry.uuid, actor=actor, reason=text, final_due_date=final_due_date
            )
        elif step == "answer":
            register.answer(message_uuid=entry.uuid, actor=actor, text=text)
        elif step == "close":
            register.not_subject_to_review(message_uuid=entry.uuid, actor=actor, reason=text)
        else:
            raise HTTPException(status_code=404, detail="no such step")
    except RegisterError as exc:
        # to the entry's page with why and what was typed: a reload there sends nothing again
        web.flashes.put(
            request,
            page=view.href(entry),
            error=exc,
            typed={"step": step, "text": text, "final_due_date": final_due_date},
        )
    else:
        web.flashes.clear(request)
    return RedirectResponse(view.href(entry), status_code=303)


@router.get(
    "/register/{reg_number}/letter/{kind}", response_class=HTMLResponse, include_in_schema=False
)
def register_letter(
    request: Request, account: Officer, web: WebDep, view: View, reg_number: str, kind: str
) -> Response:
    """The printable letter: opening it is a recorded view of the complainant's personal data."""
    if kind not in LETTERS:
        raise HTTPException(status_code=404, detail="no such letter")
    register = view.register
    entry = register.find(reg_number)
    letter = register.letter(
        message_uuid=entry.uuid,
        kind=LETTERS[kind],
        actor=account.username,
        role=account.role.value,
    )
    signer = letter.signed_by
    return HTMLResponse(
        render_letter(
            replace(letter, signed_by=_display_names(web).get(signer, signer) if signer else None),
            message_kind=entry.kind,
            config=web.config,
            language=language(request),
            stylesheet="/register/letter.css",  # the web's CSP allows no inline styles
        )
    )


def attachment_response(opened: tuple[AttachmentInfo, bytes]) -> Response:
    """The scan as a download under its stored name (RFC 6266, so Cyrillic names survive),
    never rendered in the web's origin: a PDF may carry script, so it is an attachment and
    sandboxed should a browser open it anyway."""
    info, data = opened
    return Response(
        data,
        media_type=info.media_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(info.filename)}",
            "content-security-policy": "sandbox",
            "cache-control": "no-store",  # personal data: no copy left in a shared PC's cache
        },
    )


@router.get("/register/{reg_number}/attachments/{attachment_uuid}", include_in_schema=False)
def download_attachment(
    account: Reader, view: View, reg_number: str, attachment_uuid: uuid.UUID
) -> Response:
    """The scanned letter, at a site's web and the centre's alike: opening it is a recorded
    view of personal data, refused to a role without the right (the auditor's is a 403)."""
    register = view.register
    entry = register.find(reg_number)
    return attachment_response(
        register.open_scan(
            message_uuid=entry.uuid,
            attachment_uuid=attachment_uuid,
            actor=account.username,
            role=account.role.value,
        )
    )
