"""The kiosk's health alerts in the reader's language: one table of texts by code.

The domain (kiosk/health_alerts.py) says what is wrong, with a time or an amount; here it
becomes the sentence a clerk or an admin reads, translated with the web's catalogue.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.health_alerts import HealthAlert, HealthAlertCode, health_alerts
from kiosk.i18n import gettext_for
from kiosk.web.deps import Site
from kiosk.web.errors import N_

ALERT_TEXTS: dict[HealthAlertCode, str] = {
    HealthAlertCode.KIOSK_SILENT: N_("The kiosk has not responded since {since}."),
    HealthAlertCode.PRINTER_PAPER_OUT: N_("The ticket printer is out of paper."),
    HealthAlertCode.PRINTER_COVER_OPEN: N_("The ticket printer's cover is open."),
    HealthAlertCode.PRINTER_PAPER_NEAR_END: N_("The ticket printer's paper is running out."),
    HealthAlertCode.PRINTER_OFFLINE: N_("The ticket printer does not answer."),
    HealthAlertCode.DISK_NEARLY_FULL: N_("The kiosk's disk is {amount}% full."),
    HealthAlertCode.DISK_READ_ONLY: N_(
        "Nothing can be saved on the kiosk's disk: no ticket can be issued. Tell the IT person."
    ),
    HealthAlertCode.CLOCK_AHEAD: N_(
        "The kiosk's clock is {amount} min ahead of the central server's."
    ),
    HealthAlertCode.CLOCK_BEHIND: N_(
        "The kiosk's clock is {amount} min behind the central server's."
    ),
    HealthAlertCode.SYNC_FAILED: N_("The last sync, started at {since}, failed."),
    HealthAlertCode.SYNC_TOO_OLD: N_("No successful sync since {since}."),
    HealthAlertCode.SYNC_NEVER: N_("No sync with the central server has succeeded yet."),
}


def _local(at: dt.datetime | None, *, now: dt.datetime, tz: ZoneInfo) -> str:
    if at is None:
        return ""
    local = at.astimezone(tz)
    same_day = local.date() == now.astimezone(tz).date()
    return local.strftime("%H:%M") if same_day else local.strftime("%d.%m.%Y %H:%M")


def alert_text(alert: HealthAlert, language: str, *, now: dt.datetime, tz: ZoneInfo) -> str:
    _ = gettext_for(language, "kiosk.web")
    since = _local(alert.since, now=now, tz=tz)
    return _(ALERT_TEXTS[alert.code]).format(since=since, amount=alert.amount)


def site_alert_texts(site: Site, language: str) -> list[str]:
    """What is wrong with the kiosk now, in words, for the admin page and the counter panel."""
    now = site.clock()
    return [
        alert_text(a, language, now=now, tz=site.config.tz)
        for a in health_alerts(site.db, site.config, now=now)
    ]
