"""A full or read-only disk never loses a ticket silently: the visitor reads that no ticket can
be issued and to ask at a counter, no number that was not stored is shown, and staff are alerted.
The real Kivy app, its queue on a real 2 MB file system filled up, then remounted read-only."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.db import Database
from kiosk.health_alerts import HealthAlertCode, health_alerts
from kiosk.models import Ticket
from kiosk.queue import Queue
from tests.screens_touch import tap, texts, wait_for
from tests.support import make_config, upgraded
from tests.support import small_disk as support_small_disk

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screens"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs) for the site database."""
    with support_small_disk(tmp_path / "disk", "2m") as disk:
        yield disk


def fill(disk: Path) -> Path:
    """Write a file until the file system refuses another byte."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def tickets(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


@pytest.fixture
def app_on_small_disk(app: Any, small_disk: Path) -> Iterator[tuple[Any, Database]]:
    """The running app, its queue on the small disk's database (the rest of it as it was)."""
    config = make_config(small_disk)
    db = upgraded(f"sqlite:///{small_disk / 'site.sqlite'}", config)
    queue = app.queue
    app.queue = Queue(db, app.kiosk_config, clock=app.clock)
    yield app, db
    app.queue = queue
    app.storage_failed = False
    db.dispose()


def ask_for_a_ticket(app: Any) -> Any:
    manager = app.root.manager
    tap(manager.current_screen)  # the attract screen
    tap(manager.current_screen.ids.take_ticket)
    categories = manager.current_screen
    button = next(
        b for b in categories.ids.grid.children if getattr(b, "category", None) and not b.priority
    )
    tap(button)
    return manager.current_screen


def assert_told_no_ticket(screen: Any, app: Any, db: Database) -> None:
    assert screen.name == "closed"
    assert screen.reason.startswith("В момента не може да бъде издаден номер.")
    assert "обърнете се към гише" in texts(screen)
    # a rating or a message would not be stored either: not offered
    assert screen.ids.rate.disabled and screen.ids.message.disabled
    assert "мнението" not in texts(screen)
    assert app.current_ticket is None  # no number was shown
    assert tickets(db) == 0


def test_a_full_disk_and_a_read_only_one_issue_no_ticket_and_say_so(
    app_on_small_disk: tuple[Any, Database], small_disk: Path, tmp_path: Path
) -> None:
    from screens import headless

    app, db = app_on_small_disk
    config = app.queue.config
    # GIVEN the disk holding the database is full
    filler = fill(small_disk)
    # WHEN a visitor asks for a ticket THEN the screen says none can be issued, to ask at a counter
    screen = ask_for_a_ticket(app)
    assert_told_no_ticket(screen, app, db)
    shot = headless.capture(app, tmp_path / "storage-failed-bg.png")
    if os.environ.get("KIOSK_DOCS_SCREENSHOTS"):
        shutil.copy(shot, DOCS / shot.name)
    # and the staff web's list says the disk is full
    [disk] = [a for a in health_alerts(db, config, now=app.clock()) if a.code.startswith("disk")]
    assert disk.code is HealthAlertCode.DISK_NEARLY_FULL and disk.amount >= 99

    # GIVEN room again, the same visitor's next try gets a ticket
    filler.unlink()
    app.end_visit()
    screen = ask_for_a_ticket(app)
    assert screen.name == "ticket" and tickets(db) == 1
    label = app.current_ticket.label
    wait_for(lambda: app.print_result is not None)  # its printing noted before the disk turns

    # GIVEN the file system turned read-only (a failing disk does that; tmpfs is remounted so
    # only with no file open for writing, so the connections are closed first)
    app.end_visit()
    db.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        # WHEN a visitor asks for a ticket THEN already the list of queues, unreadable, says so
        tap(app.root.manager.current_screen)
        tap(app.root.manager.current_screen.ids.take_ticket)
        screen = app.root.manager.current_screen
        assert screen.name == "closed" and app.current_ticket is None
        assert screen.reason.startswith("В момента не може да бъде издаден номер.")
        app.language = "en"
        headless.pump(3)
        assert screen.reason.startswith("No ticket can be issued at the moment.")
        assert [a.code for a in health_alerts(db, config, now=app.clock())][:1] == [
            HealthAlertCode.DISK_READ_ONLY
        ]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert tickets(db) == 1 and label  # only the stored ticket
