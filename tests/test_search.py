"""Search over the shipped catalogue: Cyrillic or Latin, inflected, everyday words, while typing, with one typo."""

from __future__ import annotations

import pytest

from kiosk.catalog import shipped_catalog
from kiosk.search import SearchIndex, stem, words


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(shipped_catalog().services)


def _ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.service.id for hit in index.search(query).hits]


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
    # every hit has the word in some form (удостоверение, -ия, -ието) in what it says
    assert all(
        "удостоверени"
        in f"{s.name.bg} {s.description.bg} {' '.join(d.bg for d in s.documents)}".lower()
        for s in (h.service for h in index.search("udostoverenie", limit=100).hits)
    )
    assert set(_ids(index, "udost")) >= set(full)
    assert set(_ids(index, "удост")) == set(_ids(index, "udost"))


def test_one_typo_is_forgiven_but_nonsense_finds_nothing(index: SearchIndex) -> None:
    assert "2016" in _ids(index, "udostoverenei naslednitsi")
    assert _ids(index, "жщщфкъ") == []
    # "за" alone is the start of "заявление" while typing; inside a query it is ignored
    assert _ids(index, "удостоверение за наследници") == _ids(index, "удостоверение наследници")


def test_a_name_match_ranks_above_a_documents_only_match(index: SearchIndex) -> None:
    hits = index.search("наследници").hits
    in_name = [h for h in hits if "наследници" in h.service.name.bg.lower()]
    only_docs = [h for h in hits if "наследници" not in h.service.name.bg.lower()]
    assert in_name and only_docs
    assert min(h.score for h in in_name) > max(h.score for h in only_docs)


def test_a_word_only_in_the_documents_finds_the_service(index: SearchIndex) -> None:
    # "пълномощно" (power of attorney) is in no service's name, only in what to bring
    for query in ("пълномощно", "palnomoshtno", "пълномощ"):
        hits = index.search(query, limit=100).hits
        assert len(hits) >= 5
        for hit in hits:
            assert "пълномощ" not in hit.service.name.bg.lower()
            assert "пълномощ" in " ".join(d.bg for d in hit.service.documents).lower()


def test_a_typo_alone_finds_what_the_right_word_finds(index: SearchIndex) -> None:
    right = _ids(index, "udostoverenie")
    assert _ids(index, "udostoverenei")[:5] == right[:5]
    # one typo is forgiven, two are not
    assert _ids(index, "udstoverenei") == [] and _ids(index, "наслдднци") == []


def test_iisda_number_finds_the_service(index: SearchIndex) -> None:
    assert _ids(index, "2016")[0] == "2016"


@pytest.mark.parametrize(
    ("forms", "stem_"),
    [
        (("такса", "таксата", "такси", "таксите", "taksa"), "taks"),
        (("удостоверение", "удостоверения", "удостоверението", "удостоверенията"), "udostovern"),
        (("наследник", "наследници", "наследниците", "naslednici"), "naslednik"),
        (("нотариален", "нотариалния", "нотариалният"), "notarialn"),
        (("данък", "данъка", "данъкът", "данъци"), "danak"),
        (("смет", "сметта"), "smet"),
        (("куче", "кучето", "кучета"), "kuch"),
    ],
)
def test_the_stemmer_brings_inflected_forms_together(forms: tuple[str, ...], stem_: str) -> None:
    assert {stem(words(form)[0]) for form in forms} == {stem_}


@pytest.mark.parametrize(
    ("query", "service"),
    [
        ("смет", "tvr-waste-fee-exemption"),
        ("такса смет", "tvr-waste-fee-exemption"),
        ("taksa smet", "tvr-waste-fee-exemption"),
        ("сватба", "2037"),
        ("ремонт на покрив", "2112"),
        ("нотариален акт", "tvr-tax-assessment"),
        ("garbage", "tvr-waste-fee-exemption"),
    ],
)
def test_everyday_words_find_the_service_through_its_keywords(
    index: SearchIndex, query: str, service: str
) -> None:
    assert service in _ids(index, query)[:3]


def test_a_short_word_gets_no_typo_matches(index: SearchIndex) -> None:
    # "смет" once matched "свет", "сума"… by one typo: 14 services, the waste fee not among them
    found = index.search("смет")
    assert found.hits[0].service.id == "tvr-waste-fee-exemption"
    assert all(hit.typos == 0 for hit in found.hits)
    assert found.total <= 3


def test_exact_and_prefix_matches_rank_above_typo_matches(index: SearchIndex) -> None:
    # GIVEN a query of a clean word ("скица") and a mistyped one ("удотоверение")
    hits = index.search("скица удотоверение", limit=100).hits
    # THEN only services with both words, and among them fewer typos first
    keys = [(-h.matched, h.typos) for h in hits]
    assert keys == sorted(keys) and {h.matched for h in hits} == {2}
    # a typo is tried only for a word nothing matches whole or as a start
    assert index.search("удотоверение").hits[0].typos == 1
    assert all(h.typos == 0 for h in index.search("удостоверение").hits)


def test_a_word_that_matches_nothing_leaves_the_best_partial_matches(index: SearchIndex) -> None:
    found = index.search("моля скица zzzxq")
    assert found.hits[0].service.id == "2027"
    assert found.unmatched == ("zzzxq",) and found.partial
    assert not index.search("скица").partial
    nothing = index.search("zzzxq")
    assert nothing.hits == () and nothing.total == 0 and nothing.unmatched == ("zzzxq",)


def test_the_count_is_honest_when_the_list_is_cut(index: SearchIndex) -> None:
    found = index.search("udostoverenie", limit=15)
    assert len(found.hits) == 15 and found.total == len(
        index.search("udostoverenie", limit=100).hits
    )
    assert found.total > 15


def test_services_with_every_word_are_all_that_is_found(index: SearchIndex) -> None:
    # "taksa smet": the waste fee has both words; a dozen services with a fee ("такса")
    # were listed after it and counted as found
    found = index.search("taksa smet")
    assert found.hits[0].service.id == "tvr-waste-fee-exemption"
    assert all(h.matched == 2 for h in found.hits) and found.total == len(found.hits)
    assert found.total < index.search("taksa").total
    # with no service that has every word, those with most of them are still found
    partial = index.search("такса жщщфкъ")
    assert partial.partial and partial.hits and len(partial.unmatched) == 1
