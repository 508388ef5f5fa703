"""The clerk's counter panel: its page and the JSON calls behind its buttons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from kiosk.booked import VisitStatus
from kiosk.counters import CounterSetup
from kiosk.queue import Arrival, CounterClosed, TicketView
from kiosk.staff import Role, StaffAccount
from kiosk.web.alert_texts import site_alert_texts
from kiosk.web.deps import (
    MAX_COUNTER,
    ONE_LINE,
    Site,
    SiteDep,
    csrf_protect,
    language,
    render,
    require_role,
)

router = APIRouter(tags=["counter panel"])
Clerk = Annotated[StaffAccount, Depends(require_role(Role.CLERK, Role.ADMIN))]


def counter_of(account: StaffAccount) -> int:
    if account.counter_number is None:
        raise HTTPException(status_code=403, detail="your account has no counter")
    return account.counter_number


@dataclass(frozen=True)
class WaitingCategory:
    code: str
    name_bg: str
    name_en: str
    waiting: int


@dataclass(frozen=True)
class PanelBooking:
    """One of today's booked visitors of the counter's categories."""

    time: str  # the slot's local start, HH:MM
    code: str
    name: str | None  # the clerk greets the visitor by it; erased after the day
    category: str
    status: VisitStatus
    #: the ticket taken at check-in (on time, or a walk-in one when late)
    ticket: str | None


@dataclass(frozen=True)
class PanelView:
    counter: int
    clerk: str
    now: dt.datetime
    current: TicketView | None
    #: None for a closed counter: the queue's status counts the services of open ones only
    served_today: int | None
    categories: list[WaitingCategory]
    waiting: list[str]
    transfer_categories: list[str]
    transfer_counters: list[int]
    alerts: list[str]  # what is wrong with the kiosk, in the clerk's language
    appointments: list[PanelBooking]
    #: on a break or closed by an admin: the queue is shown, and the panel offers no call
    closed: bool = False


@dataclass(frozen=True)
class ActionResult:
    ticket: TicketView | None


class TransferRequest(BaseModel):
    to_category: str | None = Field(default=None, min_length=1, max_length=1, pattern=ONE_LINE)
    to_counter: int | None = Field(default=None, ge=1, le=MAX_COUNTER)
    # the domain refuses what no record may hold, with its own code (kiosk.plain_text)
    reason: str | None = Field(default=None, max_length=200)


class CallNextRequest(BaseModel):
    previous: Arrival | None = Field(
        default=None, description="whether the visitor of a called, never started ticket came"
    )


class CallTicketRequest(CallNextRequest):
    label: str = Field(min_length=2, max_length=4, pattern=r"^\w\d{1,3}$")
    reason: str = Field(min_length=1, max_length=200)


@router.get("/panel", response_class=HTMLResponse, include_in_schema=False)
def panel_page(request: Request, account: Clerk) -> Response:
    return render(request, "panel.html", user=account, counter=counter_of(account))


@router.get("/api/panel")
def panel_data(request: Request, account: Clerk, site: SiteDep) -> PanelView:
    """The counter's current ticket, its waiting queue and today's served count; a closed
    counter's queue too, with `closed`: a clerk back from a break sees who waits for her."""
    number = counter_of(account)
    status = site.status.get()  # computed once per change for every panel and the board
    mine = next((c for c in status.counters if c.number == number), None)
    if mine is None:
        # the status holds open counters only: a closed one's categories are its set-up's
        setup = next((c for c in site.counters.setups() if c.number == number), None)
        if setup is None:
            raise CounterClosed(f"counter {number} is closed", counter=number)
        categories, current, served_today = setup.categories, None, None
    else:
        categories, current, served_today = mine.categories, mine.current, mine.served_today
    served = set(categories)
    waiting = site.queue.waiting(counter=number, categories=sorted(served))
    return PanelView(
        counter=number,
        clerk=account.username,
        now=site.clock(),
        current=current,
        served_today=served_today,
        categories=[
            WaitingCategory(code=c.code, name_bg=c.name.bg, name_en=c.name.en, waiting=c.waiting)
            for c in status.categories
            if c.code in served
        ],
        waiting=[t.label for t in waiting[:50]],
        transfer_categories=[c.code for c in status.categories],
        transfer_counters=[c.number for c in status.counters if c.number != number],
        alerts=site_alert_texts(site, language(request)),
        appointments=[
            PanelBooking(
                time=v.starts_at.astimezone(site.config.tz).strftime("%H:%M"),
                code=v.code,
                name=v.name,
                category=v.category_code,
                status=v.status,
                ticket=v.ticket_label,
            )
            for v in site.booked.today(categories=served)
        ],
        closed=mine is None,
    )


def _act(site: Site, account: StaffAccount, action: str, **kwargs: object) -> ActionResult:
    # a refused step (a KioskError) is answered by the app's one handler, in the reader's language
    ticket = getattr(site.queue, action)(
        counter=counter_of(account), clerk=account.username, **kwargs
    )
    # the panels' next status shows it, and the board now rather than at the feed's next look
    site.status.changed()
    site.feed.changed()
    return ActionResult(ticket=ticket)


ACTIONS = {
    "recall": "recall",
    "start": "start",
    "finish": "finish",
    "no-show": "no_show",
}


@router.post("/api/panel/transfer", dependencies=[Depends(csrf_protect)])
def transfer(
    body: TransferRequest,
    account: Clerk,
    site: SiteDep,
) -> ActionResult:
    """Send the current ticket to another category's queue or to one counter."""
    return _act(
        site,
        account,
        "transfer",
        to_category=body.to_category,
        to_counter=body.to_counter,
        reason=body.reason,
    )


@router.post("/api/panel/call-ticket", dependencies=[Depends(csrf_protect)])
def call_ticket(
    body: CallTicketRequest,
    account: Clerk,
    site: SiteDep,
) -> ActionResult:
    """Call one waiting ticket out of order; the reason is recorded with the call."""
    return _act(
        site,
        account,
        "call_ticket",
        label=body.label.upper(),
        reason=body.reason,
        previous=body.previous,
    )


@router.post("/api/panel/call", dependencies=[Depends(csrf_protect)])
def call_next(account: Clerk, site: SiteDep, body: CallNextRequest | None = None) -> ActionResult:
    """Call the next ticket. A called ticket never started is not counted as served: without
    `previous` (arrived / no_show) the answer is 409 `called_not_started`, and the panel asks."""
    return _act(site, account, "call_next", previous=body.previous if body else None)


@router.post("/api/panel/counter/{number}/{state}", dependencies=[Depends(csrf_protect)])
def open_or_close(
    number: Annotated[int, Path(ge=1, le=MAX_COUNTER)],
    state: Literal["open", "close"],
    account: Clerk,
    site: SiteDep,
) -> CounterSetup:
    """The clerk closes their own counter for a break, or opens it again; the number is the
    one the panel shows, so a panel left open after the account moved counters is refused
    (403) rather than closing the counter the account now has. Closing with a ticket called
    or served is refused (409 `counter_busy`)."""
    saved = site.counters.open_counter(
        actor=account.username,
        actor_counter=account.counter_number,
        number=number,
        open=state == "open",
    )
    # the board and the panels see the counter gone (or back) now, as after a call
    site.status.changed()
    site.feed.changed()
    return saved


@router.post("/api/panel/{action}", dependencies=[Depends(csrf_protect)])
def act(
    action: Literal["recall", "start", "finish", "no-show"],
    account: Clerk,
    site: SiteDep,
) -> ActionResult:
    """recall, start, finish or no-show on the counter's current ticket."""
    return _act(site, account, ACTIONS[action])
