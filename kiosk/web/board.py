"""What the lobby board shows, as JSON: the last calls with their counters and the waiting."""

from __future__ import annotations

from typing import Any

from kiosk.hours import WorkingHours
from kiosk.i18n import gettext_for
from kiosk.queue import QueueStatus

BOARD_CALLS = 6
# recent calls the shared status reads: a recalled ticket shows once, so more than the six
STATUS_CALLS = BOARD_CALLS * 3
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def board_payload(status: QueueStatus) -> dict[str, Any]:
    """The board's data from a status with `STATUS_CALLS` recent calls; each call names the
    counter from its own event, not the ticket's now."""
    calls: list[dict[str, Any]] = []
    seen: set[str] = set()
    for call in status.recent_calls:
        if call.label in seen:
            continue
        seen.add(call.label)
        calls.append(
            {
                "label": call.label,
                "counter": call.counter_number,
                "at": call.at.isoformat(),
                "kind": call.kind,
                "seq": call.event_seq,
                "booked": call.booked,
            }
        )
    return {
        "day": status.day.isoformat(),
        "open": status.open_state.is_open,
        "calls": calls[:BOARD_CALLS],
        "categories": [
            {
                "code": c.code,
                "name_bg": c.name.bg,
                "name_en": c.name.en,
                "waiting": c.waiting,
                "wait_minutes": c.estimated_wait_minutes,
            }
            for c in status.categories
        ],
    }


def hours_text(hours: WorkingHours, language: str) -> str:
    """ "Mon–Fri 08:30–17:00" for consecutive days, else the days listed."""
    _ = gettext_for(language, "kiosk.web")
    days = sorted(hours.days)
    names = [_(_WEEKDAYS[d - 1]) for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        span = f"{names[0]}–{names[-1]}"
    else:
        span = ", ".join(names)
    return _("{days} {opens}–{closes}").format(
        days=span, opens=hours.open.strftime("%H:%M"), closes=hours.close.strftime("%H:%M")
    )
