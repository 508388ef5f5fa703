"""Scanned letters attached to the messages staff register: checked, stored and opened as personal data.

- the type is read from the file's first bytes (PDF, JPEG, PNG), never from its name or
  the browser's word: a PDF named .jpg is stored as the PDF it is, a program named .pdf
  is refused;
- the size is limited by `register.attachment_max_mb`;
- only the roles that may see a complainant's contact open it (`require_personal_data_role`,
  the register's one check), and every opening is a `pii_viewed` event
  (kiosk.register.Register.open_scan); it is erased with the contact data
  (kiosk.register.erase_expired).
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
import uuid
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.models import Message, MessageAttachment

#: Roles that may see a complainant's name, contact and scanned letter: the charter keeps
#: complainants' data confidential, so the auditor reads the register without them.
PII_ROLES = frozenset({"admin", "quality"})

#: The types a scan may be, by the bytes a file of each begins with.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
MAX_FILENAME = 200


class AttachmentError(KioskError):
    """A scan that cannot be attached or opened."""

    code = "attachment_error"


class AttachmentEmpty(AttachmentError):
    code = "attachment_empty"


class AttachmentTooLarge(AttachmentError):
    code = "attachment_too_large"


class AttachmentType(AttachmentError):
    code = "attachment_type"


class AttachmentNotAllowed(AttachmentError):
    code = "attachment_not_allowed"
    status = 403


class UnknownAttachment(AttachmentError):
    code = "unknown_attachment"
    status = 404


@dataclass(frozen=True)
class Scan:
    """A checked file: its bytes and the type they show."""

    filename: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class AttachmentInfo:
    uuid: uuid.UUID
    filename: str
    media_type: str
    size: int

    @classmethod
    def from_row(cls, row: MessageAttachment) -> AttachmentInfo:
        return cls(uuid=row.uuid, filename=row.filename, media_type=row.media_type, size=row.size)


def may_see_personal_data(role: str) -> bool:
    """Whether the role sees a complainant's name, contact and scanned letter."""
    return role in PII_ROLES


def require_personal_data_role(role: str, refusal: type[KioskError]) -> None:
    """The one check before any of a complainant's data is shown: the contact, a letter
    addressed to them, a scan (each caller names its own refusal, worded for what it shows)."""
    if not may_see_personal_data(role):
        raise refusal(f"role {role!r} may not see a complainant's personal data")


def sniff(data: bytes) -> str | None:
    """The media type the bytes begin with, or None for anything else."""
    return next((media for magic, media in MAGIC if data.startswith(magic)), None)


def _safe_name(filename: str, media_type: str) -> str:
    """The sender's file name without a path or control characters, with the extension of
    what the bytes are (so a download opens in the right program)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    stem = base.rsplit(".", 1)[0].strip() or "scan"
    return f"{stem[: MAX_FILENAME - 5]}.{EXTENSIONS[media_type]}"


def check_scan(filename: str, data: bytes, *, max_bytes: int) -> Scan:
    """The file as a Scan, or the refusal a person reads (empty, too large, not a scan)."""
    if not data:
        raise AttachmentEmpty("the file is empty")
    if len(data) > max_bytes:
        raise AttachmentTooLarge(
            f"the file has {len(data)} bytes, more than {max_bytes}",
            limit=f"{max_bytes // (1024 * 1024)} MB",
        )
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentType("the file is neither a PDF nor a JPEG or PNG image")
    return Scan(filename=_safe_name(filename, media_type), media_type=media_type, data=data)


def attachment_row(scan: Scan, *, message: Message, seq: int | None = None) -> MessageAttachment:
    """The record of a scan of `message`, in the message's transaction (`seq`: as the
    message's own, None where the site's database counts it)."""
    return MessageAttachment(
        seq=seq,
        site_id=message.site_id,
        created_at=message.created_at,
        message_uuid=message.uuid,
        filename=scan.filename,
        media_type=scan.media_type,
        size=len(scan.data),
        sha256=scan.sha256,
        content_b64=base64.b64encode(scan.data).decode("ascii"),
    )
