"""Editing the catalogue as the centre's form does (kiosk/catalog_edit.py), the sources of
confirmed figures in YAML and CSV, and the diff between two revisions."""

from __future__ import annotations

import dataclasses

from kiosk.catalog import parse_csv, parse_yaml, shipped_catalog, to_csv, to_yaml
from kiosk.catalog_edit import (
    confirm_figure,
    diff,
    find,
    form_from_service,
    problem_field,
    record_from_form,
    save_service,
    unconfirmed_count,
)
from kiosk.i18n import gettext_for

SOURCE = "Наредба за определянето и администрирането на местните такси, чл. 42, ал. 1"


def test_a_service_goes_through_the_form_unchanged() -> None:
    doc = shipped_catalog()
    for service in doc.services:
        record = record_from_form(form_from_service(service), service.unconfirmed)
        saved, problems = save_service(doc, record, replacing=service.id)
        assert problems == [] and saved is not None
        assert find(saved, service.id) == service


def test_a_confirmed_figure_keeps_its_source_through_yaml_and_csv() -> None:
    doc = shipped_catalog()
    heirs = find(doc, "2016")
    assert not heirs.is_confirmed("regular", "fee")
    confirmed, problems = confirm_figure(doc, "2016", "regular.fee", SOURCE)
    assert problems == [] and confirmed is not None
    assert unconfirmed_count(confirmed) == unconfirmed_count(doc) - 1
    service = find(confirmed, "2016")
    assert service.is_confirmed("regular", "fee") and service.source_of("regular.fee") == SOURCE
    assert service.unconfirmed == ("fast.fee", "express.fee")
    assert parse_yaml(to_yaml(confirmed).encode()) == confirmed
    assert parse_csv(to_csv(confirmed).encode(), revision=confirmed.revision) == confirmed
    # a file without any source keeps its shape: no empty `sources` on every service
    assert "sources" not in to_yaml(doc)


def test_a_confirmation_without_a_source_is_refused_in_bulgarian() -> None:
    doc = shipped_catalog()
    changed, problems = confirm_figure(doc, "2016", "regular.fee", "   ")
    assert changed is None
    [problem] = problems
    assert problem_field(problem) == "sources.regular.fee"
    assert problem.text(gettext_for("bg")) == "посочете източника на стойността в до 300 знака"
    assert problem.message == "name the source of the figure in up to 300 characters"


def test_a_bad_fee_is_put_by_its_field_and_an_id_used_twice_is_refused() -> None:
    doc = shipped_catalog()
    heirs = find(doc, "2016")
    form = {**form_from_service(heirs), "express_fee": "-1"}
    _, problems = save_service(doc, record_from_form(form, []), replacing="2016")
    assert [(problem_field(p), p.message) for p in problems] == [
        ("express_fee", "fee must not be negative, got -1")
    ]
    other = doc.services[1].id
    form = {**form_from_service(heirs), "id": other}
    _, problems = save_service(doc, record_from_form(form, []), replacing="2016")
    assert [(p.field, p.message) for p in problems] == [
        ("id", "used by another service: choose another id")
    ]


def test_the_diff_lists_each_changed_field_an_added_and_a_removed_service() -> None:
    doc = shipped_catalog()
    confirmed, _ = confirm_figure(doc, "2016", "regular.fee", SOURCE)
    assert confirmed is not None
    renamed = dataclasses.replace(
        doc.services[1], id="tvr-new", name=dataclasses.replace(doc.services[1].name, en="New")
    )
    newer = dataclasses.replace(
        confirmed, services=(confirmed.services[0], *confirmed.services[2:], renamed)
    )
    changes = diff(doc, newer)
    by_service = {}
    for c in changes:
        by_service.setdefault(c.service_id, []).append((c.field, c.before, c.after))
    assert by_service["2016"] == [
        ("unconfirmed", "regular.fee, fast.fee, express.fee", "fast.fee, express.fee"),
        ("sources.regular.fee", None, SOURCE),
    ]
    assert ("name_en", None, "New") in by_service["tvr-new"]
    assert all(after is None for _, _, after in by_service[doc.services[1].id])
    assert diff(doc, doc) == []
