"""Find a service by the words visitors use: Cyrillic or Latin, inflected, mistyped, everyday.

Both the catalogue and the query are brought to one Latin spelling (the official
Bulgarian transliteration: ъ→a, щ→sht, so "udostoverenie" meets "удостоверение") and
each word to its stem by a light Bulgarian stemmer, so "таксата", "такси" and "taksa"
meet. A query word matches an indexed word whole, as its start (results update while
the visitor types) or, only when nothing matches it that way and it is long enough for a
typo to be told from another word, with one typo. The catalogue's keywords ("смет",
"сватба", "ремонт на покрив") are the visitors' own words for a service and weigh almost
as much as its name.

Ranking: services matching more of the query's words first; among those, whole and
prefix matches above typo matches; then by score. When some services have every word,
only they are returned: "taksa smet" found the waste fee, and then a dozen services
that merely have a fee, counted as found. A word no service has does not empty the
results: the best partial matches are returned, and the word is reported.
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
WEIGHTS = {"name": 3.0, "keywords": 2.5, "description": 1.5, "documents": 1.0, "number": 3.0}
EXACT, PREFIX, TYPO = 1.0, 0.8, 0.5
TYPO_MIN_LENGTH = 5  # "smet" and "svet" are different words, not a typo of each other
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
        "se",
        "mi",
        "kak",
        "iskam",
        "moga",
        "molya",
        "kade",
        "tryabva",
        "please",
        "where",
        "the",
        "a",
        "an",
        "of",
        "for",
        "and",
        "to",
        "on",
        "in",
        "my",
        "how",
        "get",
        "need",
        "want",
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


# Lucene's BulgarianStemmer (Savoy's light stemmer) with its endings in the folded spelling:
# -ът at, -та ta, -то to, -те te, -ия iya, -ят yat, -ове ove, -ци ci (→ к), -зи zi (→ г)…
# (not its -си → х: "такси" is the plural of "такса", not of a word in -х)
_ARTICLES = (("iyat", 6), ("at", 5), ("ta", 5), ("to", 5), ("te", 5), ("iya", 5), ("yat", 4))


def stem(word: str, *, article: bool = True) -> str:
    """The word without its inflection: "таксата", "такси", "taksa" → "taks".

    With `article=False` a final -та/-те/-ът… is taken as part of the word, not as the
    definite article: "пасище" is not "пасищ" + "-е" after "-те" is stripped.
    """
    if len(word) < 4 or word.isdigit():
        return word
    if article and len(word) > 6 and word.endswith("ishta"):
        return word[:-5]
    for ending, longer_than in _ARTICLES if article else ():
        if len(word) > longer_than and word.endswith(ending):
            word = word[: -len(ending)]
            break
    word = _singular(word)
    if len(word) > 3:
        # -ие as -ия, so удостоверение and удостоверения meet
        vowel = next((v for v in ("iya", "ie", "ya", "a", "o", "e") if word.endswith(v)), "")
        word = word[: len(word) - len(vowel)]
    if len(word) > 4 and word.endswith("en"):  # нотариален / нотариалния
        return word[:-2] + "n"
    return word


def _singular(word: str) -> str:
    if len(word) > 6 and word.endswith(("ove", "eve")):
        return word[:-3] + ("" if word.endswith("ove") else "y")
    if len(word) > 5 and word.endswith("ci"):
        return word[:-2] + "k"
    if len(word) > 5 and word.endswith("zi"):
        return word[:-2] + "g"
    if len(word) > 4 and word.endswith("i"):
        return word[:-1]
    return word


def forms(word: str) -> set[str]:
    """A word as spelled and as its stems; the article is told from the word by trying both.

    "дървета" (trees) and "дърветата" (the trees) share "darvet"; "пасище" and "пасищата"
    share "pasisht".
    """
    return {word, stem(word), stem(word, article=False)}


def terms(text: str) -> set[str]:
    """The words of a text as the index keeps them."""
    return {form for word in words(text) for form in forms(word)}


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float
    matched: int = 0  # how many of the query's words this service has
    typos: int = 0  # how many of them only with a typo


@dataclass(frozen=True)
class Results:
    """What a search found: the best hits, how many there are in all, and unknown words."""

    hits: tuple[Hit, ...]
    total: int  # every service with every word, or else with any; `hits` may be fewer
    asked: int = 0  # the query's meaningful words
    unmatched: tuple[str, ...] = ()  # of those, the ones no service has

    @property
    def partial(self) -> bool:
        """True when even the best hit lacks a word of the query."""
        return bool(self.hits) and self.hits[0].matched < self.asked


class SearchIndex:
    def __init__(self, services: Iterable[Service]) -> None:
        self.services = list(services)
        # term -> service index -> best field weight
        self.vocabulary: dict[str, dict[int, float]] = defaultdict(dict)
        for i, s in enumerate(self.services):
            fields = {
                "name": f"{s.name.bg} {s.name.en}",
                "keywords": " ".join((*s.keywords_bg, *s.keywords_en)),
                "description": f"{s.description.bg} {s.description.en}",
                "documents": " ".join((*(d.bg for d in s.documents), *(d.en for d in s.documents))),
                "number": str(s.iisda or ""),
            }
            for field, text in fields.items():
                for term in terms(text):
                    postings = self.vocabulary[term]
                    postings[i] = max(postings.get(i, 0.0), WEIGHTS[field])

    def _match(self, word: str) -> tuple[dict[int, float], bool]:
        """Best score per service for one query word, and whether that took a typo."""
        typed = forms(word)
        best: dict[int, float] = {}
        for term, postings in self.vocabulary.items():
            if term in typed:
                quality = EXACT
            # as typed, not its stem: "моля" is not the start of "молба"
            elif len(word) >= 2 and term.startswith(word):
                quality = PREFIX
            else:
                continue
            for i, weight in postings.items():
                best[i] = max(best.get(i, 0.0), quality * weight)
        if best or len(word) < TYPO_MIN_LENGTH:
            return best, False
        for term, postings in self.vocabulary.items():
            if len(term) < TYPO_MIN_LENGTH - 1:
                continue
            if (
                OSA.distance(word, term, score_cutoff=1) <= 1
                or OSA.distance(word, term[: len(word)], score_cutoff=1) <= 1
            ):
                for i, weight in postings.items():
                    best[i] = max(best.get(i, 0.0), TYPO * weight)
        return best, True

    def search(self, query: str, *, limit: int = 20) -> Results:
        typed = words(query)
        meaningful = list(dict.fromkeys(t for t in typed if t not in STOPWORDS)) or typed
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        typos: dict[int, int] = defaultdict(int)
        unmatched = []
        for word in dict.fromkeys(meaningful):
            found, typo = self._match(word)
            if not found:
                unmatched.append(word)
            for i, score in found.items():
                scores[i] += score
                matched[i] += 1
                typos[i] += typo
        ranked = sorted(scores, key=lambda i: (-matched[i], typos[i], -scores[i], i))
        if ranked and matched[ranked[0]] == len(meaningful):
            ranked = [i for i in ranked if matched[i] == len(meaningful)]
        hits = tuple(
            Hit(self.services[i], round(scores[i], 3), matched[i], typos[i]) for i in ranked[:limit]
        )
        return Results(
            hits=hits, total=len(ranked), asked=len(meaningful), unmatched=tuple(unmatched)
        )
