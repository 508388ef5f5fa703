"""Find a service by any word of its name, description or documents, typed in Cyrillic or Latin.

Both the catalogue and the query are brought to one Latin spelling (the official
Bulgarian transliteration: ъ→a, щ→sht, so "udostoverenie" meets "удостоверение"),
then each query word is matched as a whole word, as the start of a word (results
update while the visitor types) or with one typo (a wrong, missing, extra or swapped
letter). Name matches weigh most.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from kiosk.catalog import Service
from kiosk.translit import to_latin

# Field weights: a word in the name says more about the service than one in its documents.
WEIGHTS = {"name": 3.0, "description": 1.5, "documents": 1.0, "number": 3.0}
EXACT, PREFIX, TYPO = 1.0, 0.85, 0.6
STOPWORDS = frozenset(
    {
        "za",
        "na",
        "i",
        "ot",
        "v",
        "s",
        "po",
        "do",
        "ili",
        "the",
        "a",
        "of",
        "for",
        "and",
        "to",
        "on",
        "in",
    }
)
_WORD = re.compile(r"[^\W_]+")


# Informal Latin spellings people type for ц and ж, folded on both sides so either finds both.
_INFORMAL = (("ts", "c"), ("zh", "j"))


def fold(text: str) -> str:
    """Lowercase Latin spelling of any Bulgarian or English text, without accents."""
    latin = to_latin(text.lower())
    for official, informal in _INFORMAL:
        latin = latin.replace(official, informal)
    return "".join(c for c in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float


class SearchIndex:
    def __init__(self, services: Iterable[Service]) -> None:
        self.services = list(services)
        # word -> service index -> best field weight
        self.vocabulary: dict[str, dict[int, float]] = defaultdict(dict)
        for i, s in enumerate(self.services):
            fields = {
                "name": f"{s.name_bg} {s.name_en}",
                "description": f"{s.description_bg} {s.description_en}",
                "documents": " ".join((*s.documents_bg, *s.documents_en)),
                "number": str(s.iisda or ""),
            }
            for field, text in fields.items():
                for word in words(text):
                    postings = self.vocabulary[word]
                    postings[i] = max(postings.get(i, 0.0), WEIGHTS[field])

    def _match(self, query_word: str) -> dict[int, float]:
        """Best score per service for one query word."""
        best: dict[int, float] = {}
        typo_ok = len(query_word) >= 4
        for word, postings in self.vocabulary.items():
            if word == query_word:
                quality = EXACT
            elif len(query_word) >= 2 and word.startswith(query_word):
                quality = PREFIX
            elif typo_ok and (
                OSA.distance(query_word, word, score_cutoff=1) <= 1
                or OSA.distance(query_word, word[: len(query_word)], score_cutoff=1) <= 1
            ):
                quality = TYPO
            else:
                continue
            for i, weight in postings.items():
                best[i] = max(best.get(i, 0.0), quality * weight)
        return best

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        terms = words(query)
        meaningful = [t for t in terms if t not in STOPWORDS] or terms
        if not meaningful:
            return []
        totals: dict[int, float] | None = None
        for term in dict.fromkeys(meaningful):
            scores = self._match(term)
            if totals is None:
                totals = scores
            else:
                totals = {i: totals[i] + v for i, v in scores.items() if i in totals}
            if not totals:
                return []
        assert totals is not None
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Hit(self.services[i], round(score, 3)) for i, score in ranked[:limit]]
