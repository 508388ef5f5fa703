"""Search over the shipped catalogue: Cyrillic or Latin, while typing, with one typo."""

from __future__ import annotations

import pytest

from kiosk.catalog import shipped_catalog
from kiosk.search import SearchIndex


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(shipped_catalog().services)


def _ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.service.id for hit in index.search(query)]


@pytest.mark.parametrize(
    "query",
    [
        "udostoverenie naslednitsi",
        "удостоверение за наследници",
        "наследн",
        "naslednitsi",
        "наследнци",
        "udostoverenie naslednici",
        "heirs",
    ],
)
def test_heirs_certificate_comes_first(index: SearchIndex, query: str) -> None:
    assert _ids(index, query)[0] == "2016"


def test_latin_finds_cyrillic_and_prefix_works_while_typing(index: SearchIndex) -> None:
    full = _ids(index, "udostoverenie")
    assert len(full) >= 5
    assert all(
        "удостоверение" in s.name_bg.lower() or "удостоверение" in " ".join(s.documents_bg).lower()
        for s in (h.service for h in index.search("udostoverenie"))
    )
    assert set(_ids(index, "udost")) >= set(full)
    assert set(_ids(index, "удост")) == set(_ids(index, "udost"))


def test_one_typo_is_forgiven_but_nonsense_finds_nothing(index: SearchIndex) -> None:
    assert "2016" in _ids(index, "udostoverenei naslednitsi")
    assert _ids(index, "жщщфкъ") == []
    # "за" alone is the start of "заявление" while typing; inside a query it is ignored
    assert _ids(index, "удостоверение за наследници") == _ids(index, "удостоверение наследници")


def test_a_name_match_ranks_above_a_documents_only_match(index: SearchIndex) -> None:
    hits = index.search("наследници")
    in_name = [h for h in hits if "наследници" in h.service.name_bg.lower()]
    only_docs = [h for h in hits if "наследници" not in h.service.name_bg.lower()]
    assert in_name and only_docs
    assert min(h.score for h in in_name) > max(h.score for h in only_docs)


def test_a_word_only_in_the_documents_finds_the_service(index: SearchIndex) -> None:
    # "пълномощно" (power of attorney) is in no service's name, only in what to bring
    for query in ("пълномощно", "palnomoshtno", "пълномощ"):
        hits = index.search(query, limit=100)
        assert len(hits) >= 5
        for hit in hits:
            assert "пълномощ" not in hit.service.name_bg.lower()
            assert "пълномощ" in " ".join(hit.service.documents_bg).lower()


def test_a_typo_alone_finds_what_the_right_word_finds(index: SearchIndex) -> None:
    right = _ids(index, "udostoverenie")
    assert _ids(index, "udostoverenei")[:5] == right[:5]
    # one typo is forgiven, two are not
    assert _ids(index, "udstoverenei") == [] and _ids(index, "наслдднци") == []


def test_iisda_number_finds_the_service(index: SearchIndex) -> None:
    assert _ids(index, "2016")[0] == "2016"
