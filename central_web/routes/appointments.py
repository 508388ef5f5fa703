"""The secretary's appointment rules, the coming days' bookings, and the appointments' report.

Only the admin (the secretary) creates, edits or deletes a rule; the quality officer and the
auditor read. Every save is checked whole by sync/appointment_rules.py and each refusal is
shown beside its field, in the reader's language, with what was typed kept. A change is
stamped with its author on the rule and logged as a view naming the site and the rule
(central_web/audit.py), as the centre's other changes are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from central_web.audit import shown
from central_web.deps import EVERYONE, CentreDep
from kiosk.attachments import may_see_personal_data
from kiosk.hours import WorkingHours
from kiosk.reports.compute import BadPeriod, Period
from kiosk.reports.wording import period_text, weekday_text
from kiosk.staff import StaffAccount
from kiosk.vocabulary import Role
from kiosk.web.deps import csrf_protect, language, render, require_role, translator
from sync.appointment_report import appointment_figures, figure_rows
from sync.appointment_rules import (
    NoSuchRule,
    RuleForm,
    RuleProblem,
    RuleRefused,
    StoredRule,
    coming_bookings,
    delete_rule,
    load_rules,
    next_week,
    preview,
    save_rule,
)
from sync.overview import site_rows

router = APIRouter(tags=["appointments"])
Reader = Annotated[StaffAccount, Depends(require_role(*EVERYONE))]
Secretary = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]
#: how far ahead the list of bookings looks, today included
COMING_DAYS = 14
MAX_TEXT = 20  # no field of a rule is longer; a longer one is a paste slip
FIELDS = tuple(f for f in RuleForm.__dataclass_fields__ if f != "weekdays")


@contextmanager
def _central(centre: CentreDep) -> Iterator[Connection]:
    with centre.db.engine.begin() as conn:
        yield conn


def _site_ids(centre: CentreDep) -> list[str]:
    return [row.site_id for row in site_rows(centre.db)]


def _today(centre: CentreDep) -> dt.date:
    return centre.clock().astimezone(centre.config.tz).date()


async def _form(request: Request) -> RuleForm:
    data = await request.form()
    values = {k: str(data.get(k, ""))[:MAX_TEXT] for k in FIELDS}
    days = tuple(str(d)[:2] for d in data.getlist("weekdays"))[:7]
    return RuleForm(weekdays=days, **values)


def _page(
    request: Request,
    centre: CentreDep,
    user: StaffAccount,
    *,
    form: RuleForm | None = None,
    editing: int | None = None,
    problems: tuple[RuleProblem, ...] = (),
    saved: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _, lang = translator(request), language(request)
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.field, []).append(p.text(_, lang))
    hours = WorkingHours.from_config(centre.config)
    week = next_week(_today(centre))
    with _central(centre) as conn:
        rules = load_rules(conn)
        previews = {r.id: preview(conn, r.rule, days=week, hours=hours) for r in rules}
    return render(
        request,
        "appointments.html",
        user=user,
        rules=rules,
        previews=previews,
        week=week,
        sites=_site_ids(centre),
        form=form or RuleForm(),
        editing=editing,
        errors=errors,
        saved=saved,
        can_edit=user.role == Role.ADMIN,
        weekdays=[(d, weekday_text(d, lang)) for d in sorted(hours.days)],
        day_names={d: weekday_text(d, lang, short=True) for d in range(1, 8)},
        day_name=lambda day: weekday_text(day.isoweekday(), lang, short=True),
        hours=hours,
        status_code=status_code,
    )


@router.get("/appointments", response_class=HTMLResponse, include_in_schema=False)
def rules_page(
    request: Request, centre: CentreDep, user: Reader, saved: int | None = None
) -> HTMLResponse:
    return _page(request, centre, user, saved=saved)


def _stored(centre: CentreDep, rule_id: int) -> StoredRule:
    with _central(centre) as conn:
        found = load_rules(conn, rule_id=rule_id)
    if not found:
        raise HTTPException(status_code=404, detail="no such rule")
    return found[0]


@router.get("/appointments/rules/{rule_id}", response_class=HTMLResponse, include_in_schema=False)
def edit_page(request: Request, centre: CentreDep, user: Reader, rule_id: int) -> HTMLResponse:
    stored = _stored(centre, rule_id)
    shown(request, site=stored.rule.site_id, record=f"rule {rule_id}")
    return _page(request, centre, user, form=RuleForm.of(stored.rule), editing=rule_id)


def _save(
    request: Request, centre: CentreDep, user: StaffAccount, form: RuleForm, rule_id: int | None
) -> Response:
    try:
        with _central(centre) as conn:
            saved = save_rule(
                conn,
                form,
                hours=WorkingHours.from_config(centre.config),
                site_ids=_site_ids(centre),
                by=user.username,
                now=centre.clock(),
                rule_id=rule_id,
            )
    except RuleRefused as refused:
        return _page(
            request,
            centre,
            user,
            form=form,
            editing=rule_id,
            problems=refused.problems,
            status_code=422,
        )
    except NoSuchRule:
        raise HTTPException(status_code=404, detail="no such rule") from None
    shown(request, site=form.site_id, record=f"rule {saved}")
    return RedirectResponse(f"/appointments?saved={saved}#rule-{saved}", status_code=303)


@router.post("/appointments/rules", include_in_schema=False, dependencies=[Depends(csrf_protect)])
async def create_rule(request: Request, centre: CentreDep, user: Secretary) -> Response:
    return _save(request, centre, user, await _form(request), None)


@router.post(
    "/appointments/rules/{rule_id}",
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
async def update_rule(
    request: Request, centre: CentreDep, user: Secretary, rule_id: int
) -> Response:
    return _save(request, centre, user, await _form(request), rule_id)


@router.post(
    "/appointments/rules/{rule_id}/delete",
    include_in_schema=False,
    dependencies=[Depends(csrf_protect)],
)
def remove_rule(request: Request, centre: CentreDep, user: Secretary, rule_id: int) -> Response:
    try:
        with _central(centre) as conn:
            gone = delete_rule(conn, rule_id)
    except NoSuchRule:
        raise HTTPException(status_code=404, detail="no such rule") from None
    shown(request, site=gone.rule.site_id, record=f"rule {rule_id}")
    return RedirectResponse("/appointments", status_code=303)


@router.get("/appointments/bookings", response_class=HTMLResponse, include_in_schema=False)
def bookings_page(
    request: Request,
    centre: CentreDep,
    user: Reader,
    site: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The coming days' bookings per site, counted by status; one by one for a chosen site,
    with names and contacts only for a role that may see personal data (the view is logged
    with its site, as every page of the centre is)."""
    sites = _site_ids(centre)
    if site and site not in sites:
        raise HTTPException(status_code=404, detail="no such site")
    today = _today(centre)
    days = [today + dt.timedelta(days=n) for n in range(COMING_DAYS)]
    personal = may_see_personal_data(user.role)
    with _central(centre) as conn:
        counts, listed = coming_bookings(
            conn, days=days, tz=centre.config.tz, site_id=site or None, personal=personal
        )
    return render(
        request,
        "appointment_bookings.html",
        user=user,
        sites=sites,
        site=site,
        counts=counts,
        listed=listed if site else [],
        personal=personal,
        local=lambda at: at.astimezone(centre.config.tz),
    )


@router.get("/reports/appointments", response_class=HTMLResponse, include_in_schema=False)
def report_page(
    request: Request,
    centre: CentreDep,
    user: Reader,
    period: Annotated[str, Query(max_length=10)] = "",
    site: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The appointments' figures for a month, quarter or year: counts only, no personal data."""
    sites = _site_ids(centre)
    if site and site not in sites:
        raise HTTPException(status_code=404, detail="no such site")
    today = _today(centre)
    try:
        chosen = Period.parse(period) if period else Period.parse(f"{today:%Y-%m}")
    except BadPeriod:
        chosen, bad = Period.parse(f"{today:%Y-%m}"), True
    else:
        bad = False
    with _central(centre) as conn:
        figures = appointment_figures(
            conn,
            period=chosen,
            hours=WorkingHours.from_config(centre.config),
            sites=[site] if site else None,
        )
    return render(
        request,
        "appointment_report.html",
        user=user,
        rows=figure_rows(figures, language(request)),
        sites=sites,
        site=site,
        period=chosen.code,
        period_name=period_text(chosen, language(request)),
        bad_period=bad,
        status_code=422 if bad else 200,
    )
