"""A text given in both of the product's languages: Bulgarian first, English beside it."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("bg", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One wording in Bulgarian and English; an empty English falls back to the Bulgarian."""

    bg: str
    en: str = ""

    def get(self, language: str) -> str:
        if language == "en":
            return self.en or self.bg
        return self.bg

    def __str__(self) -> str:
        return self.bg
