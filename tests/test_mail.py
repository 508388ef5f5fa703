"""kiosk.mail over STARTTLS to a real SMTP server on loopback (aiosmtpd) whose certificate a
CA made here signed: trusted, the message arrives in UTF-8; not trusted, MailFailed."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from kiosk.mail import BookingMail, MailFailed, Notice, compose, send
from kiosk.text import Text
from tests.booking_fixtures import Inbox
from tests.support import make_config
from tests.tls_fixtures import make_certificates
from tests.web_fixtures import free_port


@pytest.fixture
def tls_inbox(tmp_path: Path) -> Iterator[tuple[Inbox, Path]]:
    make_certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    box = Inbox(port=free_port())
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, tls_context=context, require_starttls=True
    )
    controller.start()
    yield box, tmp_path
    controller.stop()


def letter() -> BookingMail:
    return BookingMail(
        notice=Notice.BOOKED,
        to="maria@example.bg",
        language="bg",
        code="123456",
        starts_at=dt.datetime(2026, 11, 26, 7, 30, tzinfo=dt.UTC),
        site_name=Text("Твърдица"),
        service_name=Text("Удостоверение за наследници"),
        documents=(Text("Документ за самоличност"),),
        manage_url="https://opashka.tvarditsa.bg/b/AAAAAAAAAAAAAAAAAAAAAA",
    )


def test_starttls_to_a_trusted_server_delivers_the_letter(
    tls_inbox: tuple[Inbox, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, certs = tls_inbox
    # OpenSSL's default trust store, as create_default_context loads it, is the test CA
    monkeypatch.setenv("SSL_CERT_FILE", str(certs / "ca.crt"))
    config = make_config(
        tmp_path,
        mail__host="127.0.0.1",
        mail__port=box.port,
        mail__from_address="noreply@tvarditsa.bg",
    )
    send(config, compose(letter(), sender="noreply@tvarditsa.bg", tz=config.tz))
    (message,) = box.wait(1)
    body = message.get_content()
    assert message["Subject"] == "Часът ви на 26.11.2026 в 09:30: код 123456"
    assert "Носете:\n- Документ за самоличност" in body
    assert "https://opashka.tvarditsa.bg/b/AAAAAAAAAAAAAAAAAAAAAA" in body


def test_an_untrusted_certificate_is_a_failure_not_a_silent_send(
    tls_inbox: tuple[Inbox, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, certs = tls_inbox
    monkeypatch.setenv("SSL_CERT_FILE", str(certs / "other-ca.crt"))
    config = make_config(
        tmp_path,
        mail__host="127.0.0.1",
        mail__port=box.port,
        mail__from_address="noreply@tvarditsa.bg",
    )
    with pytest.raises(MailFailed):
        send(config, compose(letter(), sender="noreply@tvarditsa.bg", tz=config.tz))
    assert box.messages == []
