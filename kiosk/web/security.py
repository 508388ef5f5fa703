"""The key that signs session cookies, and CSRF tokens."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from kiosk.config import Config

SECRET_FILE = "web_secret"


def session_secret(config: Config) -> tuple[str, Path | None]:
    """The key that signs session cookies, and the file it was generated into (if it was)."""
    configured = config.secret("web.secret")
    if configured:
        return configured, None
    path = config.data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fp:
        fp.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip(), path


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_valid(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))
