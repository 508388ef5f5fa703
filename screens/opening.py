"""Opening hours in the visitor's words: open until when, or why not and when we open next."""

from __future__ import annotations

from typing import Any

from kiosk.hours import ClosedReason
from kiosk.labels import CLOSED_REASONS, date_words, label


def next_opening_text(app: Any) -> str:
    """ "We open today at 08:30." or "We open again on 30 November 2026 at 08:30." """
    opens = app.queue.hours.next_opening(app.clock())
    if opens.date() == app.queue.today():
        return app.tr("We open today at {time}.").format(time=opens.strftime("%H:%M"))
    return app.tr("We open again on {date} at {time}.").format(
        date=date_words(opens.date(), app.language), time=opens.strftime("%H:%M")
    )


def opening_text(app: Any, reason: ClosedReason | None) -> str:
    """Open now and until when; or why not, and when the centre opens next."""
    cfg = app.kiosk_config
    if reason is None:
        return app.tr("Open today {open}–{close}").format(
            open=cfg.hours.open.strftime("%H:%M"), close=cfg.hours.close.strftime("%H:%M")
        )
    return label(CLOSED_REASONS, reason, app.language) + "\n" + next_opening_text(app)
