"""A village site beside the centre's test database: one complaint, pushed (issue #16.2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Config
from kiosk.db import Database
from kiosk.messages import Draft, Kind, Messages
from kiosk.register import Register
from sync.central import CentralTarget
from sync.handling import CentreDesk
from sync.job import run_sync
from tests.central_web_fixtures import Centre
from tests.support import make_config, upgraded


@dataclass
class Village:
    db: Database
    config: Config
    register: Register
    target: CentralTarget
    complaint: uuid.UUID

    def sync(self) -> int:
        # logged in the centre's sync_log, as `kiosk sync` always is
        outcome = run_sync(
            self.db, self.target, batch_size=5, time_budget_s=30, site_id=self.config.site_id
        )
        assert outcome.ok, outcome.error
        return outcome.pulled_events


def village(
    centre: Centre,
    tmp_path: Path,
    site_id: str = "shivachevo",
    text: str = "Няма рампа за колички пред кметството.",
) -> Village:
    """A site (Шивачево by default) with one complaint from a named complainant, pushed to the
    centre; both sites number their messages alike, as two sites may."""
    config = make_config(tmp_path / site_id, site__id=site_id, site__register_prefix="ТВ")
    db = upgraded(f"sqlite:///{tmp_path / site_id}.sqlite", config)
    complaint = (
        Messages(db, config)
        .submit(
            Draft(
                kind=Kind.COMPLAINT,
                text=text,
                name="Мария Иванова",
                contact="0888 123 456",
                consent=True,
            )
        )
        .uuid
    )
    target = centre.server.site_target(centre.admin_url, centre.sites[site_id])
    site = Village(db, config, Register(db, config), target, complaint)
    assert site.sync() == 0
    return site


def centre_register(centre: Centre, *sites: str) -> Register:
    return Register(centre.db, centre.config, desk=CentreDesk(frozenset(sites) or None))
