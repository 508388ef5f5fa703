"""Editing the catalogue one service at a time, and what changed between two revisions.

The centre's web edits a service as a form; the form's text becomes a record of the
catalogue's own fields and is checked by kiosk.catalog's checks, the very ones
`kiosk catalog import` runs on each record of a file, so a service the web saves is one a
file could hold. A diff compares two documents field by field, as a secretary reads them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.catalog import (
    FIELDS,
    FIGURES,
    KEYWORDS,
    N_,
    OPTIONAL_TEXT,
    REQUIRED_TEXT,
    SPEEDS,
    CatalogDocument,
    Problem,
    Service,
    check_service,
    format_fee,
)

#: the form's one-line text fields, named as the record's
TEXT_FIELDS = (*REQUIRED_TEXT, *OPTIONAL_TEXT, "iisda", "eservice_url")
#: the form's fields of one figure each ("regular_fee"), beside "sources.regular.fee"
FIGURE_FIELDS = tuple(f"{speed}_{part}" for speed in SPEEDS for part in ("fee", "deadline"))


def figure_field(figure: str) -> str:
    """The form field that holds a figure: "regular.fee" → "regular_fee"."""
    return figure.replace(".", "_")


def source_field(figure: str) -> str:
    return f"sources.{figure}"


def record_from_form(form: Mapping[str, str], unconfirmed: Iterable[str]) -> dict[str, Any]:
    """A service record from the edit form's text: lists one a line or comma-separated, as in
    the spreadsheet; an empty box is a field left out."""
    record: dict[str, Any] = {
        key: form[key].strip() for key in TEXT_FIELDS if (form.get(key) or "").strip()
    }
    for lang in ("bg", "en"):
        cell = form.get(f"documents_{lang}") or ""
        record[f"documents_{lang}"] = [d.strip() for d in cell.splitlines() if d.strip()]
    for key in KEYWORDS:
        record[key] = [k.strip() for k in (form.get(key) or "").split(",") if k.strip()]
    delivery = {}
    for speed in SPEEDS:
        fee = (form.get(f"{speed}_fee") or "").strip() or None
        deadline = (form.get(f"{speed}_deadline") or "").strip() or None
        if fee or deadline:
            delivery[str(speed)] = {"fee": fee, "deadline": deadline}  # plain text, as YAML reads
    record["delivery"] = delivery
    record["unconfirmed"] = [f for f in FIGURES if f in set(unconfirmed)]
    record["sources"] = {
        f: form[source_field(f)].strip()
        for f in FIGURES
        if (form.get(source_field(f)) or "").strip()
    }
    return record


def form_from_service(service: Service) -> dict[str, str]:
    """The edit form's text for a service, the inverse of `record_from_form`."""
    data = service.to_dict()
    form = {key: "" if data.get(key) is None else str(data[key]) for key in TEXT_FIELDS}
    for lang in ("bg", "en"):
        form[f"documents_{lang}"] = "\n".join(data[f"documents_{lang}"])
    for key in KEYWORDS:
        form[key] = ", ".join(data[key])
    for d in service.delivery:
        form[f"{d.speed}_fee"] = format_fee(d.fee_cents) or ""
        form[f"{d.speed}_deadline"] = d.deadline or ""
    for figure, where in service.sources:
        form[source_field(figure)] = where
    return form


def problem_field(problem: Problem) -> str:
    """The form field a problem belongs next to ("delivery.fast.fee" → "fast_fee")."""
    key = problem.field or ""
    parts = key.split(".")
    if parts[0] == "delivery":
        speed = parts[1] if len(parts) > 1 and parts[1] in SPEEDS else SPEEDS[0]
        part = parts[2] if len(parts) > 2 else "fee"
        return f"{speed}_{part}"
    return key


def services_with(
    doc: CatalogDocument, service: Service, *, replacing: str | None
) -> tuple[tuple[Service, ...], list[Problem]]:
    """The document's services with `service` in the place of `replacing` (None: added at
    the end); a problem if its id is another service's, as an import refuses an id used twice."""
    others = [s for s in doc.services if s.id != replacing]
    if any(s.id == service.id for s in others):
        return doc.services, [
            Problem(None, service.id, "id", N_("used by another service: choose another id"))
        ]
    if replacing is None:
        return (*doc.services, service), []
    return tuple(service if s.id == replacing else s for s in doc.services), []


def save_service(
    doc: CatalogDocument, record: dict[str, Any], *, replacing: str | None
) -> tuple[CatalogDocument | None, list[Problem]]:
    """The document with one service's record checked and put in place, or the problems."""
    service, problems = check_service(record)
    if service is None:
        return None, problems
    services, problems = services_with(doc, service, replacing=replacing)
    if problems:
        return None, problems
    return dataclasses.replace(doc, services=services), []


def confirm_figure(
    doc: CatalogDocument, service_id: str, figure: str, source: str
) -> tuple[CatalogDocument | None, list[Problem]]:
    """A figure checked against its source: off the unconfirmed list, the source kept with it."""
    if figure not in FIGURES:
        return None, [Problem(None, service_id, "sources", N_("not a figure of a service"))]
    record = find(doc, service_id).to_dict()
    record["unconfirmed"] = [f for f in record["unconfirmed"] if f != figure]
    record["sources"] = {**record["sources"], figure: source.strip()}
    return save_service(doc, record, replacing=service_id)


class UnknownService(LookupError):
    pass


def find(doc: CatalogDocument, service_id: str) -> Service:
    for service in doc.services:
        if service.id == service_id:
            return service
    raise UnknownService(service_id)


def unconfirmed_count(doc: CatalogDocument) -> int:
    """How many figures of the catalogue still wait to be checked against the ordinance."""
    return sum(len(s.unconfirmed) for s in doc.services)


@dataclass(frozen=True)
class Change:
    service_id: str
    name: str  # the service's Bulgarian name, in the newer revision where it has one
    field: str  # a record field ("name_bg", "delivery.regular.fee", "sources.regular.fee")
    before: str | None  # None: the service (or the figure) was not there
    after: str | None


def _flat(service: Service) -> dict[str, str]:
    """A service's record as one text per field, the figures and sources each their own."""
    data = service.to_dict()
    flat = {}
    for key in FIELDS:
        value = data.get(key)
        if key == "delivery":
            for speed, spec in value.items():
                for part, figure in spec.items():
                    if figure is not None:
                        flat[f"delivery.{speed}.{part}"] = str(figure)
        elif key == "sources":
            flat.update({f"sources.{f}": w for f, w in value.items()})
        elif isinstance(value, list):
            flat[key] = "\n".join(value) if key.startswith("documents") else ", ".join(value)
        elif value not in (None, ""):
            flat[key] = str(value)
    return flat


def diff(old: CatalogDocument, new: CatalogDocument) -> list[Change]:
    """Every field that differs between two revisions, service by service in the newer's order."""
    before = {s.id: s for s in old.services}
    after = {s.id: s for s in new.services}
    order = [*after, *(sid for sid in before if sid not in after)]
    changes = []
    for sid in order:
        a = _flat(before[sid]) if sid in before else {}
        b = _flat(after[sid]) if sid in after else {}
        name = (after.get(sid) or before[sid]).name.bg
        for key in [*b, *(k for k in a if k not in b)]:
            if a.get(key) != b.get(key):
                changes.append(Change(sid, name, key, a.get(key), b.get(key)))
    return changes
