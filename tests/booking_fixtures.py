"""A central database that takes bookings (a named site, one slot rule, the citizens' login
and the centre's) and a real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url

from kiosk.config import Config
from kiosk.db import Database
from kiosk.text import Text
from public_web.app import create_public_app
from sync.bookings import CentralBookings
from sync.central import CentralTarget
from sync.public_centre import CentralLiveTickets
from sync.schema import appointment_rules
from sync.sites import add_centre_login, add_public_login, name_site
from tests.support import Clock, make_config
from tests.sync_fixtures import CentralServer
from tests.web_fixtures import LiveServer, free_port, serve

#: a phone's viewport, for the citizens' pages in Chromium
PHONE = {"width": 390, "height": 844}

SITE = "tvarditsa"
#: the key of the limits' hashes, as `appointments.hash_key` names it
HASH_KEY_ENV = "KIOSK_TEST_BOOKING_KEY"


@dataclass
class Inbox:
    """What the loopback SMTP server received, in order; `wait` blocks until there is more."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    #: while set, the server answers every message with a 451 (a server in trouble)
    refuse: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Bookable:
    config: Config
    admin_url: str
    public_url: str  # the citizens' pages' login
    centre_url: str  # the staff web's login (reads contacts: the reminder job)
    public_db: Database
    bookings: CentralBookings

    def centre_db(self) -> Database:
        return CentralTarget(url=self.centre_url, sslmode="disable").database()


def booking_config(tmp_path: Path, inbox: Inbox | None = None, **overrides: object) -> Config:
    mail = (
        {
            "mail__host": "127.0.0.1",
            "mail__port": inbox.port,
            "mail__security": "none",
            "mail__from_address": "noreply@tvarditsa.bg",
        }
        if inbox
        else {}
    )
    return make_config(
        tmp_path,
        site__id=SITE,
        public__base_url="https://opashka.tvarditsa.bg",
        appointments__hash_key=f"env:{HASH_KEY_ENV}",
        **mail,
        **overrides,
    )


def add_rule(admin_url: str, **changes: object) -> None:
    """Civil status (А) on working days 09:00–12:00, half-hour slots for two visitors, half of
    them kept for walk-ins: one booking per slot."""
    values: dict[str, object] = {
        "site_id": SITE,
        "category_code": "А",
        "weekdays": [1, 2, 3, 4, 5],
        "starts": dt.time(9, 0),
        "ends": dt.time(12, 0),
        "slot_minutes": 30,
        "capacity": 2,
        "walk_in_share": 50,
        "updated_by": "secretary",
        **changes,
    }
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        conn.execute(insert(appointment_rules).values(**values))
    engine.dispose()


def central_for_bookings(central_server: CentralServer) -> tuple[str, str, str]:
    """A fresh central database with the site named and its rule; (admin, public, centre) URLs."""
    admin_url = central_server.new_central()
    central_server.add_site(admin_url, SITE)
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        name_site(conn, site_id=SITE, name=Text("Твърдица", "Tvarditsa"))
        public_password = add_public_login(conn)
        centre_password = add_centre_login(conn)
    engine.dispose()
    add_rule(admin_url)
    database = make_url(admin_url).database
    base = f"127.0.0.1:{central_server.port}/{database}"
    return (
        admin_url,
        f"postgresql://centre_public:{public_password}@{base}",
        f"postgresql://centre_web:{centre_password}@{base}",
    )


@pytest.fixture
def bookable(
    central_server: CentralServer,
    tmp_path: Path,
    clock: Clock,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Bookable]:
    monkeypatch.setenv(HASH_KEY_ENV, "a test key for the limits' hashes")
    admin_url, public_url, centre_url = central_for_bookings(central_server)
    config = booking_config(tmp_path, inbox)
    public_db = CentralTarget(url=public_url, sslmode="disable").database()
    yield Bookable(
        config=config,
        admin_url=admin_url,
        public_url=public_url,
        centre_url=centre_url,
        public_db=public_db,
        bookings=CentralBookings(public_db, config, clock=clock),
    )
    public_db.dispose()


def pages_of(bookable: Bookable, clock: Clock, **appointments: object) -> LiveServer:
    """The centre's citizens' pages on `bookable`'s database, with these appointment settings."""
    config = bookable.config
    if appointments:
        config = config.model_copy(
            update={"appointments": config.appointments.model_copy(update=appointments)}
        )
    db = bookable.public_db
    return serve(
        create_public_app(
            config,
            db,
            live=CentralLiveTickets(db),
            bookings=CentralBookings(db, config, clock=clock),
            clock=clock,
        )
    )
