"""The kiosk's health as staff see it: device events (paper replaced, faults), the app's
heartbeat and the last sync."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kiosk.db import WriteBusy, upsert_insert
from kiosk.models import DeviceEvent, Heartbeat, SyncRun
from kiosk.plain_text import strip_forbidden
from kiosk.site import SiteBound


@dataclass(frozen=True)
class DeviceState:
    """A device's last recorded state, e.g. the printer's "paper_out" since 10:42."""

    device: str
    status: str
    detail: str | None
    at: dt.datetime


@dataclass(frozen=True)
class SyncResult:
    started_at: dt.datetime
    finished_at: dt.datetime | None
    ok: bool
    pushed: dict[str, Any]
    error: str | None
    clock_skew_s: float | None = None  # the site's clock minus the centre's


@dataclass(frozen=True)
class Beat:
    """A process's latest heartbeat: when, and the printer's state it knew then."""

    at: dt.datetime
    printer: str | None


KIOSK_APP = "kiosk"  # the heartbeat's source: the touchscreen app


class Health(SiteBound):
    def record_device(
        self,
        *,
        device: str,
        status: str,
        detail: str | None = None,
        ticket_uuid: uuid.UUID | None = None,
    ) -> None:
        """Note a device's state, e.g. ("printer", "paper_replaced") when staff change the roll."""
        with self.db.write() as s:
            s.add(
                DeviceEvent(
                    site_id=self.site_id,
                    created_at=self.clock(),
                    device=device,
                    status=status,
                    # a device's own words (an error's text) are stripped, never refused:
                    # noting a printer's trouble must not fail on what the printer said
                    detail=(detail and strip_forbidden(detail)[:300]) or None,
                    ticket_uuid=ticket_uuid,
                )
            )

    def device_state(self, *, device: str) -> DeviceState | None:
        """The device's latest recorded state (what the staff panel shows), or None if never seen."""
        with self.db.read() as s:
            row = s.scalars(
                select(DeviceEvent)
                .where(DeviceEvent.device == device)
                .order_by(DeviceEvent.seq.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return DeviceState(
                device=row.device, status=row.status, detail=row.detail, at=row.created_at
            )

    def beat(self, *, printer: str | None, source: str = KIOSK_APP) -> bool:
        """Note that `source` is alive now; False when a writer holds the database (try later).

        One upsert, and only if the write lock is free: a heartbeat never makes a visitor's
        ticket or a clerk's call wait.
        """
        values = {"source": source, "at": self.clock(), "printer": printer}
        try:
            with self.db.write_if_free() as s:
                s.execute(
                    upsert_insert(s)(Heartbeat)
                    .values(values)
                    .on_conflict_do_update(index_elements=["source"], set_=values)
                )
        except WriteBusy:
            return False
        return True

    def last_beat(self, *, source: str = KIOSK_APP) -> Beat | None:
        with self.db.read() as s:
            row = s.get(Heartbeat, source)
            return None if row is None else Beat(at=row.at, printer=row.printer)

    def last_good_sync(self) -> dt.datetime | None:
        """When the latest successful sync run started."""
        with self.db.read() as s:
            return s.scalar(
                select(SyncRun.started_at)
                .where(SyncRun.ok.is_(True))
                .order_by(SyncRun.started_at.desc())
                .limit(1)
            )

    def last_clock_skew(self) -> float | None:
        """The site's clock minus the centre's, from the latest sync run that reached it."""
        with self.db.read() as s:
            return s.scalar(
                select(SyncRun.clock_skew_s)
                .where(SyncRun.clock_skew_s.is_not(None))
                .order_by(SyncRun.started_at.desc())
                .limit(1)
            )

    def last_sync(self) -> SyncResult | None:
        with self.db.read() as s:
            run = s.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(1)).first()
            if run is None:
                return None
            return SyncResult(
                started_at=run.started_at,
                finished_at=run.finished_at,
                ok=run.ok,
                pushed=dict(run.pushed or {}),
                error=run.error,
                clock_skew_s=run.clock_skew_s,
            )
