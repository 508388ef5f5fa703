"""The live ticket's link: an unguessable token printed in the ticket's QR code.

The token is 128 random bits (`secrets`), so a link cannot be guessed or counted through;
the database keeps only its SHA-256, looked up by equality: a copy of the site database
does not give back anyone's link. A token names a ticket, never a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.models import TicketLink

TOKEN_BYTES = 16
#: what a token looks like (URL-safe base64 of TOKEN_BYTES): anything else is refused unread
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def add_link(s: Session, ticket_uuid: uuid.UUID, now: dt.datetime) -> str:
    """A new token for the ticket, stored in the caller's transaction; returns the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    s.add(TicketLink(token_hash=token_hash(token), ticket_uuid=ticket_uuid, created_at=now))
    return token


def renew_link(s: Session, ticket_uuid: uuid.UUID, now: dt.datetime) -> str:
    """A new token for a ticket printed again: the lost paper's link stops working."""
    s.execute(delete(TicketLink).where(TicketLink.ticket_uuid == ticket_uuid))
    return add_link(s, ticket_uuid, now)


def ticket_of(s: Session, token: str) -> uuid.UUID | None:
    """The ticket a token names, or None for a token that is malformed or unknown."""
    if not TOKEN.fullmatch(token):
        return None
    return s.scalar(
        select(TicketLink.ticket_uuid).where(TicketLink.token_hash == token_hash(token))
    )


def live_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/t/{token}"
