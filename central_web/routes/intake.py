"""The centre registers a message received by letter, the box, e-mail, phone or in person, for a
site whose cases the centre handles (site_settings): the site web's form and its one
validation (kiosk.web.routes.intake), writing through sync.centre_messages."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from central_web.deps import CentreDep
from kiosk.messages import Messages
from kiosk.register import Register, UnknownMessage
from kiosk.staff import StaffAccount
from kiosk.vocabulary import Role
from kiosk.web.deps import csrf_protect, require_role, translator
from kiosk.web.routes.intake import NEW_MESSAGE, Typed, form_page, register_from_form, typed_form
from sync.centre_messages import CentreMessages, NotHandledAtCentre, centre_handled_sites

router = APIRouter(tags=["register"])
#: the auditor reads and changes nothing: no form
Officer = Annotated[StaffAccount, Depends(require_role(Role.ADMIN, Role.QUALITY))]


def _registered(centre: CentreDep, reg_number: str | None) -> object:
    if not reg_number:
        return None
    try:
        return Register(centre.db, centre.config, clock=centre.clock).find(reg_number)
    except UnknownMessage:
        return None


@router.get(NEW_MESSAGE, response_class=HTMLResponse, include_in_schema=False)
def new_message(
    request: Request, account: Officer, centre: CentreDep, registered: str | None = None
) -> Response:
    sites = tuple(centre_handled_sites(centre.db))
    return form_page(
        request,
        account,
        centre,
        Messages(centre.db, centre.config, clock=centre.clock),
        Typed(site=sites[0] if sites else ""),
        sites=sites,
        registered=_registered(centre, registered),
        error=None
        if sites
        else translator(request)("No site's messages are handled at the centre."),
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
    centre: CentreDep,
    typed: Annotated[Typed, Depends(typed_form)],
    site: Annotated[str, Form(max_length=40)] = "",
    scan: Annotated[UploadFile | None, File()] = None,
) -> Response:
    sites = tuple(centre_handled_sites(centre.db))
    typed = replace(typed, site=site)
    try:
        messages = CentreMessages(centre.db, centre.config, site_id=site, clock=centre.clock)
    except NotHandledAtCentre:
        return form_page(
            request,
            account,
            centre,
            Messages(centre.db, centre.config, clock=centre.clock),
            typed,
            error=translator(request)("Choose a site whose messages the centre handles."),
            error_field="site",
            status_code=422,
            sites=sites,
        )
    return await register_from_form(
        request,
        account,
        centre,
        messages,
        typed,
        scan,
        sites=sites,
        done=lambda reg_number: f"{NEW_MESSAGE}?registered={quote(reg_number)}",
    )
