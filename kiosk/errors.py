"""The root of every refusal the product makes on purpose.

A `KioskError` names its case with a class-level `code` and the HTTP `status` that fits it;
`params` hold the case's values. A UI never shows `str(exc)` (English, for logs and the
IT person): it looks the code up in its own table of texts and translates it, so the
staff web maps every refusal in one handler and the CLI catches them once in `main`.
"""

from __future__ import annotations

from typing import ClassVar


class KioskError(Exception):
    """A refusal with a code a UI can put into words, and the values that go in them."""

    code: ClassVar[str] = "error"
    #: 422 a value that cannot be accepted, 404 no such thing, 409 not in this state
    status: ClassVar[int] = 422

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message or self.code)
        self.params = params
