"""The complaint register for admin and quality staff: list, filters, handling, letters, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.alerts import current_alerts
from kiosk.labels import review_note_text
from kiosk.register import Filter, Register, RegisterError, Status
from kiosk.reports.render.letters import render_letter
from kiosk.reports.render.publish import stylesheet
from kiosk.reports.wording import kind_text, translator
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import SiteDep, csrf_protect, language, render, require_role
from kiosk.web.errors import error_text

router = APIRouter(tags=["register"])
Officer = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY))]
LETTERS = {"answer": Status.ANSWERED, "extension": Status.EXTENDED}


def _register(site: SiteDep) -> Register:
    return Register(site.db, site.config, clock=site.clock)


@router.get("/register", response_class=HTMLResponse, include_in_schema=False)
def register_list(
    request: Request, account: Officer, site: SiteDep, filter: Filter = Filter.OPEN
) -> Response:
    register = _register(site)
    lang = language(request)
    return render(
        request,
        "register/list.html",
        user=account,
        t=translator(lang),
        kind_text=lambda k: kind_text(k, lang),
        entries=register.entries(filter=filter),
        filter=filter,
        filters=list(Filter),
        today=register.today(),
        local=lambda at: at.astimezone(site.config.tz),
        alerts=current_alerts(site.db, site.config, now=site.clock()),
    )


# the register's own few rules: the web's CSP allows no inline styles
REGISTER_CSS = "tr.overdue td, .overdue { background: #fde2e1; } .flagged { background: #fff3c4; } .filters a[aria-current] { font-weight: bold; }"


@router.get("/register/{name}.css", include_in_schema=False)
def register_css(account: Officer, name: str) -> Response:
    if name == "letter":
        return Response(stylesheet("letter.css"), media_type="text/css")
    if name == "register":
        return Response(REGISTER_CSS, media_type="text/css")
    raise HTTPException(status_code=404)


def _entry_page(
    request: Request,
    account: StaffAccount,
    site: SiteDep,
    register: Register,
    entry: object,
    *,
    personal: object,
) -> Response:
    """One message's page: its handling steps, its personal data when just asked for, and a
    refused step's message with what was typed (the refusal redirected here)."""
    lang = language(request)
    refused = site.flashes.get(request, page=f"/register/{entry.reg_number}")
    return render(
        request,
        "register/entry.html",
        user=account,
        t=translator(lang),
        kind_text=lambda k: kind_text(k, lang),
        note_text=lambda n: review_note_text(n, lang),
        entry=entry,
        history=register.history(entry.uuid),
        today=register.today(),
        local=lambda at: at.astimezone(site.config.tz),
        personal=personal,
        error=error_text(refused["error"], lang) if refused else None,
        typed=refused["typed"] if refused else {},
        names=_display_names(site),
    )


def _display_names(site: SiteDep) -> dict[str, str]:
    """Staff display names by username: the register records who acted by username only."""
    return {a.username: a.display_name for a in site.staff.accounts()}


@router.get("/register/{reg_number}", response_class=HTMLResponse, include_in_schema=False)
def register_entry(request: Request, account: Officer, site: SiteDep, reg_number: str) -> Response:
    register = _register(site)
    entry = register.find(reg_number)
    return _entry_page(request, account, site, register, entry, personal=None)


@router.post(
    "/register/{reg_number}/personal",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
def register_personal(
    request: Request, account: Officer, site: SiteDep, reg_number: str
) -> Response:
    """Show the complainant's name and contact; the view is recorded with who looked."""
    register = _register(site)
    entry = register.find(reg_number)
    personal = register.personal_data(
        message_uuid=entry.uuid, actor=account.username, role=account.role.value
    )
    return _entry_page(request, account, site, register, entry, personal=personal)


@router.post(
    "/register/{reg_number}/{step}", include_in_schema=False, dependencies=[Depends(csrf_protect)]
)
def register_step(
    request: Request,
    account: Officer,
    site: SiteDep,
    reg_number: str,
    step: str,
    text: Annotated[str, Form(max_length=10000)] = "",
    final_due_date: Annotated[dt.date | None, Form()] = None,
) -> Response:
    register = _register(site)
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
        site.flashes.put(
            request,
            page=f"/register/{entry.reg_number}",
            error=exc,
            typed={"step": step, "text": text, "final_due_date": final_due_date},
        )
    else:
        site.flashes.clear(request)
    return RedirectResponse(f"/register/{entry.reg_number}", status_code=303)


@router.get(
    "/register/{reg_number}/letter/{kind}", response_class=HTMLResponse, include_in_schema=False
)
def register_letter(
    request: Request, account: Officer, site: SiteDep, reg_number: str, kind: str
) -> Response:
    """The printable letter: opening it is a recorded view of the complainant's personal data."""
    if kind not in LETTERS:
        raise HTTPException(status_code=404, detail="no such letter")
    register = _register(site)
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
            replace(letter, signed_by=_display_names(site).get(signer, signer) if signer else None),
            message_kind=entry.kind,
            config=site.config,
            language=language(request),
            stylesheet="/register/letter.css",  # the web's CSP allows no inline styles
        )
    )
