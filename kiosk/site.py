"""What every domain service is bound to: one site's database, its configuration, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kiosk.config import Config
from kiosk.db import Database
from kiosk.models import utcnow


class SiteBound:
    """Base of the domain's services (Queue, Feedback, Messages…); tests pass their own clock."""

    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.config = config
        self.site_id = config.site_id
        self.terminal_id: str = config.feedback.terminal_id
        self.clock = clock
