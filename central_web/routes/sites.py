"""Sites at a glance: every site of the municipality, its last sync and how it went, what its
kiosk said of itself then, who handles its messages; the sites that need a look on top, and
as JSON for monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from central_web.deps import EVERYONE, Centre, CentreDep
from kiosk.checks import Status, duration_text
from kiosk.i18n import translations
from kiosk.labels import PRINTER_STATES, label
from kiosk.staff import StaffAccount
from kiosk.vocabulary import Role
from kiosk.web.deps import csrf_protect, language, render, require_role, site_labeller
from kiosk.web.errors import TEXTS as REFUSALS
from sync.job import HELD
from sync.overview import (
    SYNC_INTERVALS,
    SharedPrefix,
    SiteAlert,
    SiteRow,
    SiteStatus,
    set_sync_every,
    shared_prefixes,
    site_rows,
)

router = APIRouter(tags=["sites"])
Reader = Annotated[StaffAccount, Depends(require_role(*EVERYONE))]
#: the secretary sets how often a site syncs; the officer and the auditor read
Secretary = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]

#: a clock off by less than this is shown as right: a round trip measures no better
ON_TIME_S = 2.0


def _(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


_RESULTS = {
    HELD: _("records held back: the site's IT person runs kiosk sync repair"),
}
_NEVER_SYNCED = _("{site}: no sync since it was added, {age} ago")
_NO_HEARTBEAT = _(
    "{site}: the kiosk has not run since the PC was set up (its report of {reported})"
)
_SHARED_PREFIX = _(
    "{sites} number their messages alike ({prefix}-…): one number names two cases. Give each "
    "site its own site.register_prefix in its kiosk.toml, and keep it at the centre with "
    "kiosk central add-site --register-prefix"
)
_ALERTS = {
    SiteAlert.STALE: _("{site}: no sync since {when} ({age} ago)"),
    SiteAlert.KIOSK_SILENT: _(
        "{site}: the kiosk has not answered since {when} (at the site's report of {reported})"
    ),
}


class Words:
    """The sites page's wording in one language, times in the municipality's zone."""

    def __init__(self, request: Request, centre: Centre) -> None:
        self.lang, self.tz = language(request), centre.config.tz
        self.gettext = translations(self.lang, "central_web", "kiosk.web").gettext
        self.site = site_labeller(request, self.lang)

    def local(self, at: dt.datetime | None) -> str:
        return self.gettext("never") if at is None else f"{at.astimezone(self.tz):%d.%m.%Y %H:%M}"

    def result(self, status: SiteStatus) -> str:
        if status.sync_ok:
            return self.gettext("ok")
        template = _RESULTS.get(status.sync_code or "") or REFUSALS.get(status.sync_code or "")
        return self.gettext(
            template or _("failed: the central server could not be reached or refused")
        )

    def printer(self, code: str | None) -> str:
        if code is None:
            return self.gettext("not reported")
        return label(PRINTER_STATES, code, self.lang) if code in PRINTER_STATES else code

    def skew(self, seconds: float | None) -> str:
        if seconds is None:
            return self.gettext("not measured")
        if abs(seconds) < ON_TIME_S:
            return self.gettext("right")
        template = _("{duration} ahead") if seconds > 0 else _("{duration} behind")
        return self.gettext(template).format(duration=duration_text(seconds, self.lang))

    def alert(self, site: SiteRow, alert: SiteAlert, now: dt.datetime) -> str:
        status = site.status
        if alert is SiteAlert.STALE:
            since = site.last_sync_at or site.added_at
            age = duration_text((now - since).total_seconds(), self.lang)
            if site.last_sync_at is None:
                return self.gettext(_NEVER_SYNCED).format(site=self.site(site.site_id), age=age)
            params = {"when": self.local(site.last_sync_at), "age": age}
        else:
            assert status is not None
            reported = self.local(status.reported_at)
            if status.heartbeat_at is None:
                return self.gettext(_NO_HEARTBEAT).format(
                    site=self.site(site.site_id), reported=reported
                )
            params = {"when": self.local(status.heartbeat_at), "reported": reported}
        return self.gettext(_ALERTS[alert]).format(site=self.site(site.site_id), **params)

    def shared(self, shared: SharedPrefix) -> str:
        names = ", ".join(self.site(site_id) for site_id in shared.site_ids)
        return self.gettext(_SHARED_PREFIX).format(sites=names, prefix=shared.prefix)


def _overview(centre: Centre) -> tuple[dt.datetime, list[SiteRow]]:
    now = centre.clock()
    return now, site_rows(centre.db, now=now, silent_after_s=centre.config.health.silent_after_s)


@router.get("/sites", response_class=HTMLResponse, include_in_schema=False)
def sites_page(request: Request, centre: CentreDep, user: Reader) -> HTMLResponse:
    now, sites = _overview(centre)
    words = Words(request, centre)
    alerts = [words.alert(site, a, now) for site in sites for a in site.alerts]
    alerts += [words.shared(shared) for shared in shared_prefixes(centre.db)]
    return render(
        request,
        "sites.html",
        user=user,
        sites=sites,
        alerts=alerts,
        words=words,
        now=words.local(now),
        problems=_problems,
        intervals=SYNC_INTERVALS,
    )


@router.post("/sites/{site_id}/sync-every", dependencies=[Depends(csrf_protect)])
def set_interval(
    site_id: str,
    centre: CentreDep,
    user: Secretary,
    every: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """How often the site syncs in the day; it reads this at its next sync ("" : nightly)."""
    every_min = None if every == "" else int(every) if every.isdecimal() else 0
    set_sync_every(
        centre.db, site_id=site_id, every_min=every_min, by=user.username, now=centre.clock()
    )
    return RedirectResponse(f"/sites#site-{site_id}", status_code=303)


def _problems(status: SiteStatus) -> list[Any]:
    return [f for f in status.checks if f.status is not Status.OK]


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.isoformat()


@router.get("/api/site-alerts")
def site_alerts(request: Request, centre: CentreDep, user: Reader) -> dict[str, Any]:
    """The sites that need a look, for monitoring: each alert's code and its words."""
    now, sites = _overview(centre)
    words = Words(request, centre)
    return {
        "checked_at": now.isoformat(),
        "alerts": [
            {
                "site": site.site_id,
                "alert": alert.value,
                "text": words.alert(site, alert, now),
                "last_sync_at": _iso(site.last_sync_at),
                "heartbeat_at": _iso(site.status and site.status.heartbeat_at),
            }
            for site in sites
            for alert in site.alerts
        ],
    }
