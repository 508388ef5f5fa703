"""Every refusal is a KioskError, answered by the app's one handler with its class's status."""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.messages import Draft, Kind, Messages
from kiosk.queue import Queue
from kiosk.staff import Role, Staff
from kiosk.web.errors import TEXTS
from kiosk.web.events import EventFeed
from tests.support import Clock
from tests.web_fixtures import PASSWORD, sign_in_http

WEB = Path(__file__).resolve().parent.parent / "kiosk" / "web"
# the packages whose refusals reach a person; the screens' own texts are Kivy's catalogue
PACKAGES = ("kiosk", "sync", "devices")


def _subclasses(error: type) -> list[type]:
    return [k for sub in error.__subclasses__() for k in (sub, *_subclasses(sub))]


def _refusals() -> list[type[KioskError]]:
    """Every KioskError class of the product, each of its modules imported to find them."""
    for package in PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name:  # Alembic's scripts run when imported
                importlib.import_module(module.name)
    return [k for k in _subclasses(KioskError) if k.__module__.split(".")[0] in PACKAGES]


def test_every_refusal_has_a_text_in_bulgarian_and_english() -> None:
    with (WEB / "locale" / "bg.po").open("rb") as po:
        bulgarian = {m.id: m.string for m in read_po(po) if m.id}
    refusals = _refusals()
    assert len(refusals) > 50  # the walk found them: the queue's, the register's, sync's…
    missing = [k.__name__ for k in refusals if k.code not in TEXTS]
    assert not missing, missing
    untranslated = [k.__name__ for k in refusals if not bulgarian.get(TEXTS[k.code])]
    assert not untranslated, untranslated


def test_every_refusal_has_a_status_of_its_kind() -> None:
    odd = [k.__name__ for k in _refusals() if k.status not in (403, 404, 409, 422)]
    assert not odd, odd


@pytest.mark.parametrize(
    ("body", "status", "code", "bulgarian"),
    [
        ({"to_counter": 7}, 404, "unknown_counter", "Няма гише 7."),
        ({}, 422, "no_transfer_target", "Изпратете номера или към категория, или към гише."),
    ],
)
def test_an_api_refusal_is_json_with_its_class_status(
    web_app: FastAPI,
    sqlite_db: Database,
    config: Config,
    clock: Clock,
    body: dict[str, int],
    status: int,
    code: str,
    bulgarian: str,
) -> None:
    # GIVEN a clerk serving a called ticket
    Queue(sqlite_db, config, clock=clock).issue(category="А")
    with TestClient(web_app) as clerk:
        headers = {"X-CSRF-Token": sign_in_http(clerk, "maria")}
        clerk.post("/api/panel/call", headers=headers)
        # WHEN the transfer is refused
        refused = clerk.post("/api/panel/transfer", headers=headers, json=body)
    # THEN the answer has the class's status, its code and the text in the page's language
    assert refused.status_code == status
    assert refused.json()["code"] == code and refused.json()["detail"] == bulgarian


@pytest.mark.parametrize(
    ("path", "bulgarian"),
    [
        ("/register/ОЦУИГ-2026-99999", "Няма съобщение с този регистрационен номер."),
        ("/register/{reg}/letter/answer", "Все още няма писмо"),  # not answered yet
    ],
)
def test_a_page_refusal_is_a_page_in_the_readers_language(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock, path: str, bulgarian: str
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY
    )
    reg = (
        Messages(sqlite_db, config, clock=clock)
        .submit(Draft(kind=Kind.OPINION, text="Добре е."))
        .reg_number
    )
    with TestClient(web_app) as officer:
        sign_in_http(officer, "quality")
        missing = officer.get(path.format(reg=reg))
    # a page with the refusal's status, not the English JSON of an HTTPException
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert bulgarian in missing.text
    assert 'href="/"' in missing.text


def test_the_board_feed_logs_a_failing_read_once_and_keeps_streaming(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a database that fails twice, then answers
    answers: list[int | Exception] = [OSError("database is locked"), OSError("again"), 7]

    def version() -> int:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def watch() -> str | None:
        feed = EventFeed(version=version, snapshot=lambda: {"seq": 7}, poll_seconds=0.01)
        stream = feed.subscribe()
        try:
            return await asyncio.wait_for(stream.get(), timeout=10)
        finally:
            await feed.close()

    # WHEN the board watches, THEN it gets the data once the database is back
    with caplog.at_level(logging.INFO, logger="kiosk.web.events"):
        assert asyncio.run(watch()) == '{"seq": 7}'
    # and the failure is in the log once, with its traceback, and so is the recovery
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failed) == 1 and failed[0].exc_info is not None
    assert "database is locked" in caplog.text and "reads the queue again" in caplog.text


@pytest.mark.parametrize(
    ("period", "bulgarian"),
    [
        ("2026-13", "Периодът на справката е година (2026), тримесечие (2026-Q3), месец"),
        ("1600", "Справки има за годините от 2020 до"),
        # a day that is no date, and one no record can be in
        ("2026-02-30", "месец (2026-09) или ден (2026-09-14)."),
        ("2026-12-3", "месец (2026-09) или ден (2026-09-14)."),
        ("2019-12-31", "Справки има за годините от 2020 до"),
    ],
)
def test_a_report_period_refused_is_a_page_in_bulgarian(
    web_app: FastAPI, sqlite_db: Database, config: Config, clock: Clock, period: str, bulgarian: str
) -> None:
    Staff(sqlite_db, config, clock=clock).add(
        username="quality", password=PASSWORD, role=Role.QUALITY
    )
    with TestClient(web_app) as officer:
        sign_in_http(officer, "quality")
        refused = officer.get(f"/reports?period={period}")
    # the officer reads why in words, not the English JSON of an HTTPException
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert bulgarian in refused.text
