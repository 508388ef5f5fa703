"""Wording that may be offensive: a word list that suggests, for a person to decide.

The charter lets the administration leave unanswered a message with obscene or abusive
wording; whether a message is that is an officer's judgement. The list below only
points such messages out, to the visitor before sending and to the officer after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# a Latin letter typed for its Cyrillic twin ("kурва") must not hide a word
_LATIN_LOOKALIKES = str.maketrans("aceopxyktmhb", "асеорхуктмнв")
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().translate(_LATIN_LOOKALIKES))


@dataclass(frozen=True)
class Pattern:
    """One word of an entry: an exact word, or a beginning (`stem*`)."""

    text: str
    stem: bool

    @classmethod
    def parse(cls, word: str) -> Pattern:
        stem = word.endswith("*")
        return cls(_words(word.rstrip("*"))[0], stem)

    def matches(self, word: str) -> bool:
        return word.startswith(self.text) if self.stem else word == self.text


@dataclass(frozen=True)
class WordList:
    entries: tuple[tuple[Pattern, ...], ...]  # each a word, or words in a row
    exceptions: tuple[Pattern, ...]

    @classmethod
    def parse(cls, lines: list[str]) -> WordList:
        entries: list[tuple[Pattern, ...]] = []
        exceptions: list[Pattern] = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("-"):
                exceptions.append(Pattern.parse(line[1:]))
            else:
                entries.append(tuple(Pattern.parse(w) for w in line.split()))
        return cls(tuple(entries), tuple(exceptions))

    def flagged(self, text: str) -> tuple[str, ...]:
        """The words of `text` that match the list, as typed (lowercased), in order."""
        typed = _WORD.findall(text.lower())
        words = [w.translate(_LATIN_LOOKALIKES) for w in typed]  # letter for letter: same split
        excepted = [any(p.matches(w) for p in self.exceptions) for w in words]
        found: list[str] = []
        for i in range(len(words)):
            for entry in self.entries:
                end = i + len(entry)
                if (
                    end <= len(words)
                    and not any(excepted[i:end])
                    and all(p.matches(w) for p, w in zip(entry, words[i:end], strict=True))
                ):
                    found.append(" ".join(typed[i:end]))
                    break
        return tuple(found)


@cache
def word_list() -> WordList:
    source = resources.files("kiosk") / "data" / "obscene_bg.txt"
    return WordList.parse(source.read_text(encoding="utf-8").splitlines())


def flagged_words(text: str) -> tuple[str, ...]:
    """The words in a text that the list suggests may be obscene or abusive."""
    return word_list().flagged(text)
