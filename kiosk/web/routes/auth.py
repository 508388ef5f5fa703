"""Signing in and out, and the language of the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.i18n import LANGUAGES
from kiosk.staff import Role, StaffAccount
from kiosk.web.deps import (
    ONE_LINE,
    SESSION_KEY,
    OptionalUser,
    WebDep,
    csrf_protect,
    render,
    translator,
)

router = APIRouter(tags=["sign-in"])


def home_for(account: StaffAccount) -> str:
    if account.role is Role.ADMIN:
        return "/admin"
    if account.role is Role.QUALITY:
        return "/register"  # their work is the complaint register, not the lobby board
    if account.counter_number is not None:
        return "/panel"
    return "/board"


@router.get("/", include_in_schema=False)
def home(account: OptionalUser, web: WebDep) -> Response:
    return RedirectResponse(web.home(account) if account else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request) -> Response:
    return render(request, "login.html")


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=60, pattern=ONE_LINE)],
    password: Annotated[str, Form(max_length=200)],
    web: WebDep,
) -> Response:
    _ = translator(request)
    address = request.client.host if request.client else "?"
    if not web.login_limit.admit(username=username, address=address):
        return render(
            request,
            "login.html",
            error=_("Too many failed attempts. Wait a minute and try again."),
            status_code=429,
        )
    account = web.staff.authenticate(username=username, password=password)
    if account is None:
        return render(
            request, "login.html", error=_("Wrong username or password."), status_code=401
        )
    web.login_limit.succeeded(username=username, address=address)
    token = web.sessions.start(
        account=account, address=address, agent=request.headers.get("user-agent", "")
    )
    lang = request.session.get("lang")
    request.session.clear()  # a new session on sign-in, so a planted cookie gains nothing
    request.session.update({SESSION_KEY: token, **({"lang": lang} if lang else {})})
    return RedirectResponse(web.home(account), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def logout(request: Request, web: WebDep) -> Response:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        web.sessions.end(token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/language", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_language(request: Request, lang: Annotated[str, Form(max_length=2)]) -> Response:
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return RedirectResponse("/", status_code=303)
