"""Staff accounts from the browser, one implementation for a site's admin page and the centre's
/staff page: add, change the role (and counter), (de)activate, end a person's sessions.

Each web gives its own path, its roles, the dependency that lets its admin through (with
CSRF), and how a refused form comes back (its page again, with why, in the reader's language).
"""

# no `from __future__ import annotations`: FastAPI reads the routes' annotations, and `Admin`
# is this factory's own, which a string annotation could not name from the module's globals
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.staff import (
    AccountExists,
    BadUsername,
    ClerkNeedsCounter,
    ConfusableUsername,
    NoSuchCounter,
    RoleNotHere,
    StaffAccount,
    StaffError,
    offered_role,
)
from kiosk.vocabulary import Role
from kiosk.web.deps import WebDep

Username = Annotated[str, Path(max_length=60)]
# the new-account field a refusal is about; any other (a short password) is the password's
FIELD_AT_FAULT: dict[type[StaffError], str] = {
    BadUsername: "username",
    ConfusableUsername: "username",
    AccountExists: "username",
    RoleNotHere: "role",
    ClerkNeedsCounter: "counter",
    NoSuchCounter: "counter",
}


@dataclass(frozen=True)
class NewAccount:
    """The new-account form as the admin typed it, to show it again after a refusal: all
    but the password, which no page sends back. `fault` is the field to put right."""

    username: str
    display_name: str
    role: Role
    counter: str
    fault: str


#: the page again with why; the new account as typed when that form was refused, else None
Refused = Callable[[Request, StaffAccount, StaffError, NewAccount | None], Response]


def counter_or_none(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and len(text.strip()) <= 3 else None


def accounts_router(
    *,
    base: str,
    page: str,
    roles: tuple[Role, ...],
    admin: Callable[..., StaffAccount],
    refused: Refused,
) -> APIRouter:
    """The account forms under `base` (e.g. /admin/staff); each answers with `page` again."""
    router = APIRouter(tags=["staff accounts"])
    Admin = Annotated[StaffAccount, Depends(admin)]

    @router.post(base)
    def add_staff(
        request: Request,
        account: Admin,
        web: WebDep,
        role: Annotated[Role, Form()],
        username: Annotated[str, Form(max_length=60)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
        display_name: Annotated[str, Form(max_length=120)] = "",
        counter: Annotated[str, Form(max_length=4)] = "",
    ) -> Response:
        try:
            web.staff.add(
                username=username,
                password=password,
                role=offered_role(role, roles),
                counter=counter_or_none(counter),
                display_name=display_name.strip() or None,
            )
        except StaffError as exc:
            typed = NewAccount(
                username=username,
                display_name=display_name,
                role=role,
                counter=counter.strip(),
                fault=FIELD_AT_FAULT.get(type(exc), "password"),
            )
            return refused(request, account, exc, typed)
        return RedirectResponse(f"{page}#staff", status_code=303)

    @router.post(base + "/{username}")
    def change_staff(
        request: Request,
        username: Username,
        account: Admin,
        web: WebDep,
        role: Annotated[Role, Form()],
        counter: Annotated[str, Form(max_length=4)] = "",
    ) -> Response:
        """Another role or counter for an account; the last admin keeps the admin role."""
        try:
            web.staff.change(
                username=username, role=offered_role(role, roles), counter=counter_or_none(counter)
            )
        except StaffError as exc:
            return refused(request, account, exc, None)
        return RedirectResponse(f"{page}#staff", status_code=303)

    @router.post(base + "/{username}/active")
    def set_active(
        request: Request,
        username: Username,
        account: Admin,
        web: WebDep,
        active: Annotated[str, Form(max_length=3)] = "",
    ) -> Response:
        try:
            web.staff.set_active(username=username, active=active == "on", by=account.username)
        except StaffError as exc:
            return refused(request, account, exc, None)
        return RedirectResponse(f"{page}#staff", status_code=303)

    @router.post(base + "/{username}/sessions/end")
    def end_sessions(request: Request, username: Username, account: Admin, web: WebDep) -> Response:
        """Sign a person out everywhere: each of their browsers must sign in again."""
        try:
            web.sessions.end_all(username=username)
        except StaffError as exc:
            return refused(request, account, exc, None)
        return RedirectResponse(f"{page}#sessions", status_code=303)

    return router
