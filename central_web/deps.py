"""What the centre's routers depend on, beside kiosk/web/deps.py's sign-in, CSRF and `render`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kiosk.vocabulary import Role
from kiosk.web.deps import StaffWeb

#: every role of the centre's web; the auditor reads what the others read and changes nothing
EVERYONE = (Role.ADMIN, Role.QUALITY, Role.AUDITOR)


@dataclass(kw_only=True)
class Centre(StaffWeb):
    """The centre's services, as a site's web has its own (kiosk.web.deps.Site)."""


def get_centre(request: Request) -> Centre:
    return request.app.state.site


CentreDep = Annotated[Centre, Depends(get_centre)]
