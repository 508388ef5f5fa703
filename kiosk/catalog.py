"""The service catalogue: what each administrative service needs, costs and takes.

A secretary keeps it as YAML or as a CSV spreadsheet; both are validated with the
line of every problem, and an import replaces the whole catalogue in one transaction
or changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.models import CatalogRevision, CatalogService, utcnow
from kiosk.plain_text import TextRefused, check_text
from kiosk.text import Text
from kiosk.vocabulary import CounterGroup, ServiceCategory, Speed

if TYPE_CHECKING:
    import yaml

CATEGORIES = tuple(ServiceCategory)
COUNTER_GROUPS = tuple(CounterGroup)
SPEEDS = tuple(Speed)
MAX_FEE_EUR = 1_000_000  # far above any municipal fee; larger is a typing slip
DEADLINE = re.compile(r"(?:(\d{1,3})(d|wd|h|m)|now)")

REQUIRED_TEXT = ("id", "category", "name_bg", "name_en", "counter_group", "source")
OPTIONAL_TEXT = (
    "description_bg",
    "description_en",
    "who_bg",
    "who_en",
    "legal_basis",
    "where_bg",
    "where_en",
)
# Everyday words a visitor may type for a service ("смет", "сватба"): search data only.
KEYWORDS = ("keywords_bg", "keywords_en")
MAX_KEYWORD = 60
FIELDS = (
    *REQUIRED_TEXT,
    *OPTIONAL_TEXT,
    "iisda",
    *KEYWORDS,
    "documents_bg",
    "documents_en",
    "eservice_url",
    "delivery",
    "unconfirmed",
    "sources",
)
#: the figures of a service that can be unconfirmed or carry a source: "regular.fee", …
FIGURES = tuple(f"{speed}.{part}" for speed in SPEEDS for part in ("fee", "deadline"))
MAX_SOURCE = 300
CSV_COLUMNS = (
    "id",
    "iisda",
    "category",
    "name_bg",
    "name_en",
    *KEYWORDS,
    "description_bg",
    "description_en",
    "who_bg",
    "who_en",
    "documents_bg",
    "documents_en",
    "legal_basis",
    "counter_group",
    "where_bg",
    "where_en",
    "eservice_url",
    *(f"{speed}_{part}" for speed in SPEEDS for part in ("fee", "deadline")),
    "unconfirmed",
    "sources",
    "source",
)


def N_(message: str) -> str:
    """Mark a problem's wording for the catalogue (kiosk/locale); it is translated when shown."""
    return message


@dataclass(frozen=True)
class Delivery:
    speed: str
    fee_cents: int | None
    deadline: str | None


#: A service's wordings kept as a Bulgarian and an English field in its record (`name_bg`…).
BILINGUAL = ("name", "description", "who", "where")
_NO_TEXT = Text("")


@dataclass(frozen=True)
class Service:
    id: str
    iisda: int | None
    category: str
    name: Text
    counter_group: str
    source: str
    description: Text = _NO_TEXT
    who: Text = _NO_TEXT
    legal_basis: str = ""
    where: Text = _NO_TEXT
    # each document in both languages (a record lists as many in English as in Bulgarian)
    documents: tuple[Text, ...] = ()
    # search words, each language its own list: not translations of each other
    keywords_bg: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    eservice_url: str | None = None
    delivery: tuple[Delivery, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    # where a checked figure comes from ("regular.fee" → the ordinance's article), as pairs
    sources: tuple[tuple[str, str], ...] = ()

    def source_of(self, figure: str) -> str | None:
        return dict(self.sources).get(figure)

    def document_list(self, language: str) -> list[str]:
        return [d.get(language) for d in self.documents]

    def is_confirmed(self, speed: str, part: str) -> bool:
        return f"{speed}.{part}" not in self.unconfirmed

    def to_dict(self) -> dict[str, Any]:
        """The service as its record: the catalogue's field names, as stored and exported."""
        return {
            "id": self.id,
            "iisda": self.iisda,
            "category": self.category,
            **_pair("name", self.name),
            "counter_group": self.counter_group,
            "source": self.source,
            **_pair("description", self.description),
            **_pair("who", self.who),
            "legal_basis": self.legal_basis,
            **_pair("where", self.where),
            "documents_bg": [d.bg for d in self.documents],
            "documents_en": [d.en for d in self.documents],
            "keywords_bg": list(self.keywords_bg),
            "keywords_en": list(self.keywords_en),
            "eservice_url": self.eservice_url,
            "delivery": {
                d.speed: {"fee": format_fee(d.fee_cents), "deadline": d.deadline}
                for d in self.delivery
            },
            "unconfirmed": list(self.unconfirmed),
            "sources": dict(self.sources),
        }


def _pair(name: str, text: Text) -> dict[str, str]:
    return {f"{name}_bg": text.bg, f"{name}_en": text.en}


def _texts(record: dict[str, Any]) -> dict[str, Text]:
    """The record's `x_bg` / `x_en` fields as one Text each."""
    return {
        name: Text(record.get(f"{name}_bg", ""), record.get(f"{name}_en", "")) for name in BILINGUAL
    }


def _documents(bg: Iterable[str], en: Iterable[str]) -> tuple[Text, ...]:
    return tuple(Text(b, e) for b, e in zip(bg, en, strict=True))


@dataclass(frozen=True)
class CatalogDocument:
    revision: int
    services: tuple[Service, ...]


@dataclass(frozen=True)
class Problem:
    line: int | None
    service_id: str | None
    field: str | None
    #: the English wording with {named} places, so a page can show it translated
    template: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def message(self) -> str:
        return self.text(str)

    def text(self, translate: Callable[[str], str]) -> str:
        """The problem in words, its wording translated by `translate` (a gettext)."""
        wording = translate(self.template)
        # a wording without places may quote a parser's text, braces and all
        return wording.format(**dict(self.params)) if self.params else wording

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        about = f" (service {self.service_id})" if self.service_id else ""
        key = f" {self.field}:" if self.field else ""
        return f"{where}{about}:{key} {self.message}"


def _forbidden_chars(value: Any, key: str) -> Iterator[tuple[str, str]]:
    """Each field, at any depth, whose text holds a character `plain_text` forbids."""
    if isinstance(value, str):
        try:
            check_text(value, field=key)
        except TextRefused as exc:
            yield key, exc.char
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _forbidden_chars(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _forbidden_chars(v, key)


class CatalogError(KioskError):
    """The catalogue cannot be read; each problem names its place, so the file can be mended."""

    code = "catalog_invalid"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems), source=source)


def format_fee(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


class FeeRefused(ValueError):
    """A fee that is not an amount in euro; its wording is translatable (see Problem)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template.format(**params))


def _fee_cents(value: Any) -> int | None:
    """A fee in euro ("2.56", 2.56, "0") to cents; raises FeeRefused with the expected form."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    # NaN and Infinity parse as Decimals (and YAML reads .nan, .inf); they are not amounts
    if isinstance(value, bool) or not amount.is_finite():
        raise FeeRefused(N_("fee must be an amount in euro like 2.56, got {value!r}"), value=value)
    if amount >= MAX_FEE_EUR:
        raise FeeRefused(
            N_("fee must be less than {most} euro, got {value}"), most=MAX_FEE_EUR, value=value
        )
    if amount < 0:
        raise FeeRefused(N_("fee must not be negative, got {value}"), value=value)
    if amount != amount.quantize(Decimal("0.01")):
        raise FeeRefused(N_("fee has more than two decimals: {value}"), value=value)
    return int(amount * 100)


def _service_from_record(
    record: dict[str, Any], line: int | None, lines: dict[str, int]
) -> tuple[Service | None, list[Problem]]:
    """Validate one service record; every problem carries the line of its field."""
    problems: list[Problem] = []
    sid = str(record.get("id") or "") or None

    def bad(key: str, template: str, **params: Any) -> None:
        # the most precise line known: "delivery.regular.fee", else "delivery.regular", …
        parts = key.split(".")
        found = next(
            (
                lines[".".join(parts[:n])]
                for n in range(len(parts), 0, -1)
                if ".".join(parts[:n]) in lines
            ),
            line,
        )
        problems.append(Problem(found, sid, key, template, tuple(params.items())))

    for key in record:
        if key not in FIELDS:
            bad(key, N_("unknown field (known fields: {known})"), known=", ".join(FIELDS))
    for key, char in _forbidden_chars(record, ""):
        bad(
            key,
            N_("holds the control character {char}, which no record may hold"),
            char=f"U+{ord(char):04X}",
        )
    for key in REQUIRED_TEXT:
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            bad(key, N_("missing; this field is required"))
    for key in (*REQUIRED_TEXT, *OPTIONAL_TEXT):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int):
            bad(key, N_("must be text"))
    if sid and not re.fullmatch(r"[A-Za-z0-9-]{1,40}", sid):
        bad("id", N_("use 1–40 Latin letters, digits or dashes"))
    if record.get("category") and record["category"] not in CATEGORIES:
        bad(
            "category",
            N_("{value!r} is not one of {known}"),
            value=record["category"],
            known=", ".join(CATEGORIES),
        )
    if record.get("counter_group") and record["counter_group"] not in COUNTER_GROUPS:
        bad(
            "counter_group",
            N_("{value!r} is not one of {known}"),
            value=record["counter_group"],
            known=", ".join(COUNTER_GROUPS),
        )
    iisda = record.get("iisda")
    if iisda not in (None, ""):
        try:
            iisda = int(iisda)
            if iisda <= 0:
                raise ValueError
        except (TypeError, ValueError):
            bad(
                "iisda",
                N_("must be the IISDA number (a positive whole number), got {value!r}"),
                value=record["iisda"],
            )
            iisda = None
    else:
        iisda = None
    docs = {}
    for lang in ("bg", "en"):
        value = record.get(f"documents_{lang}") or []
        if not isinstance(value, list) or not all(isinstance(d, str) and d.strip() for d in value):
            bad(f"documents_{lang}", N_("must be a list of non-empty lines"))
            value = []
        docs[lang] = tuple(d.strip() for d in value)
    keywords = {}
    for key in KEYWORDS:
        value = record.get(key) or []
        if not isinstance(value, list) or not all(
            isinstance(k, str) and 0 < len(k.strip()) <= MAX_KEYWORD for k in value
        ):
            bad(
                key,
                N_("must be a list of words or short phrases (up to {most} characters)"),
                most=MAX_KEYWORD,
            )
            value = []
        keywords[key] = tuple(dict.fromkeys(k.strip() for k in value))
    if len(docs["bg"]) != len(docs["en"]):
        bad(
            "documents_en",
            N_("has {en} documents, documents_bg has {bg}: list each in both languages"),
            en=len(docs["en"]),
            bg=len(docs["bg"]),
        )
    url = record.get("eservice_url")
    if url not in (None, "") and not (isinstance(url, str) and re.fullmatch(r"https://\S+", url)):
        bad("eservice_url", N_("must be an https:// link, got {value!r}"), value=url)
    deliveries = []
    delivery = record.get("delivery") or {}
    if not isinstance(delivery, dict):
        bad("delivery", N_("must map regular / fast / express to a fee and a deadline"))
        delivery = {}
    for speed, spec in delivery.items():
        if speed not in SPEEDS:
            bad(
                f"delivery.{speed}",
                N_("unknown delivery speed (use {known})"),
                known=", ".join(SPEEDS),
            )
            continue
        if not isinstance(spec, dict) or set(spec) - {"fee", "deadline"}:
            bad(f"delivery.{speed}", N_("must have only fee and deadline"))
            continue
        try:
            cents = _fee_cents(spec.get("fee"))
        except FeeRefused as exc:
            bad(f"delivery.{speed}.fee", exc.template, **exc.params)
            continue
        deadline = spec.get("deadline")
        if deadline is not None and not DEADLINE.fullmatch(str(deadline)):
            bad(
                f"delivery.{speed}.deadline",
                N_(
                    "use 7d (days), 14wd (working days), 24h (hours), 1m (months) or now; "
                    "got {value!r}"
                ),
                value=deadline,
            )
            continue
        if cents is None and deadline is None:
            continue  # a speed with no known figure says nothing; the screen says "ask at the counter"
        deliveries.append(Delivery(speed, cents, None if deadline is None else str(deadline)))
    unconfirmed = record.get("unconfirmed") or []
    if not isinstance(unconfirmed, list) or not set(unconfirmed) <= set(FIGURES):
        bad(
            "unconfirmed",
            N_("must list figures such as regular.fee, fast.deadline; got {value!r}"),
            value=unconfirmed,
        )
        unconfirmed = []
    sources = record.get("sources") or {}
    if not isinstance(sources, dict):
        bad("sources", N_("must map figures such as regular.fee to where they come from"))
        sources = {}
    for figure, where in sources.items():
        if figure not in FIGURES:
            bad(
                f"sources.{figure}",
                N_("{value!r} is not a figure: use one of {known}"),
                value=figure,
                known=", ".join(FIGURES),
            )
        elif not isinstance(where, str) or not where.strip() or len(where) > MAX_SOURCE:
            bad(
                f"sources.{figure}",
                N_("name the source of the figure in up to {most} characters"),
                most=MAX_SOURCE,
            )
        elif figure in unconfirmed:
            # a source says the figure was checked; both at once would leave the kiosk unsure
            bad(
                f"sources.{figure}",
                N_("a figure with a source is confirmed: take it off the unconfirmed list"),
            )
    if problems:
        return None, problems
    text = {k: str(record.get(k) or "").strip() for k in (*REQUIRED_TEXT, *OPTIONAL_TEXT)}
    service = Service(
        id=text["id"],
        category=text["category"],
        counter_group=text["counter_group"],
        source=text["source"],
        legal_basis=text["legal_basis"],
        **_texts(text),
        iisda=iisda,
        documents=_documents(docs["bg"], docs["en"]),
        **keywords,
        eservice_url=url or None,
        delivery=tuple(sorted(deliveries, key=lambda d: SPEEDS.index(d.speed))),
        unconfirmed=tuple(unconfirmed),
        sources=tuple((f, sources[f].strip()) for f in FIGURES if f in sources),
    )
    return service, []


def check_service(record: dict[str, Any]) -> tuple[Service | None, list[Problem]]:
    """One service record checked as `kiosk catalog import` checks each of a file's records."""
    return _service_from_record(record, None, {})


def _check_document(
    services: list[Service], lines: list[int | None], problems: list[Problem], source: str
) -> None:
    seen: dict[str, int | None] = {}
    for service, line in zip(services, lines, strict=True):
        if service.id in seen:
            problems.append(
                Problem(line, service.id, "id", f"used twice (first at line {seen[service.id]})")
            )
        seen.setdefault(service.id, line)
    if not services and not problems:
        problems.append(Problem(None, None, None, "the catalogue has no services"))
    if problems:
        raise CatalogError(source, problems)


def _key_lines(
    node: yaml.MappingNode, prefix: str, lines: dict[str, int]
) -> list[tuple[str, int, int]]:
    """Record each key's line as "delivery.regular.fee"; return the keys given twice.

    YAML loaders keep the last of two equal keys without a word, so a value the
    secretary wrote would be lost; the composed nodes still show both.
    """
    import yaml

    twice = []
    for key_node, value_node in node.value:
        key, at = f"{prefix}{key_node.value}", key_node.start_mark.line + 1
        if key in lines:
            twice.append((key, lines[key], at))
        else:
            lines[key] = at
        if isinstance(value_node, yaml.MappingNode):
            twice += _key_lines(value_node, f"{key}.", lines)
    return twice


def parse_yaml(data: bytes, source: str = "catalogue") -> CatalogDocument:
    # PyYAML is imported where a file is read or written: the touchscreen's start reads the
    # catalogue from the database, and importing PyYAML cost it some 25 ms
    import yaml

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(
            source, [Problem(line, None, None, "not UTF-8 text: save the file as UTF-8")]
        ) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # the context mark is the line the writer got wrong; the problem mark is where the parser noticed
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CatalogError(
            source, [Problem(line, None, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
        raise CatalogError(
            source,
            [Problem(1, None, None, "expected a mapping with `revision` and a `services` list")],
        )
    revision = doc.get("revision", 1)
    top_lines: dict[str, int] = {}
    problems = [
        Problem(at, None, key, f"given twice (first at line {first})")
        for key, first, at in _key_lines(root, "", top_lines)
        if "." not in key
    ]
    if problems:
        raise CatalogError(source, problems)
    problems += [
        Problem(at, None, key, "unknown key at the top (only revision and services)")
        for key, at in top_lines.items()
        if "." not in key and key not in ("revision", "services")
    ]
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        problems.append(Problem(1, None, "revision", "must be a positive whole number"))
        revision = 1
    services_node = next(v for k, v in root.value if k.value == "services")
    services: list[Service] = []
    lines: list[int | None] = []
    for node, record in zip(services_node.value, doc["services"], strict=True):
        line = node.start_mark.line + 1
        if not isinstance(record, dict):
            problems.append(Problem(line, None, None, "each service must be a mapping of fields"))
            continue
        key_lines: dict[str, int] = {}
        twice = _key_lines(node, "", key_lines)
        service, found = _service_from_record(record, line, key_lines)
        problems.extend(found)
        problems.extend(
            Problem(
                at, str(record.get("id") or "") or None, key, f"given twice (first at line {first})"
            )
            for key, first, at in twice
        )
        if twice:
            continue
        if service:
            services.append(service)
            lines.append(line)
    _check_document(services, lines, problems, source)
    return CatalogDocument(revision=revision, services=tuple(services))


def parse_csv(data: bytes, source: str = "catalogue", revision: int = 1) -> CatalogDocument:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(
            source,
            [
                Problem(
                    line,
                    None,
                    None,
                    "not UTF-8 text: in the spreadsheet choose “CSV UTF-8” when saving",
                )
            ],
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = reader.fieldnames or []
    problems = [
        Problem(1, None, col, "unknown column") for col in header if col and col not in CSV_COLUMNS
    ]
    problems += [
        Problem(1, None, col, "column given twice")
        for col in dict.fromkeys(header)
        if col and header.count(col) > 1
    ]
    missing = [col for col in REQUIRED_TEXT if col not in header]
    problems += [Problem(1, None, col, "required column is missing") for col in missing]
    if problems:
        raise CatalogError(source, problems)
    services: list[Service] = []
    lines: list[int | None] = []
    line = 2
    for row in reader:
        # cells beyond the header; empty ones are a spreadsheet's used range, not data
        extra = [c for c in row.pop(None, None) or () if c.strip()]  # type: ignore[call-overload]
        unnamed = (row.pop("", None) or "").strip()  # a column with no name in the header
        if unnamed:
            extra.append(unnamed)
        if not any((v or "").strip() for v in row.values()) and not extra:
            line = reader.line_num + 1  # a row a spreadsheet left empty says nothing
            continue
        if extra:
            problems.append(
                Problem(
                    line,
                    row.get("id") or None,
                    None,
                    f"{len(extra)} more cells than the header has columns (a stray "
                    f"{delimiter!r} in a cell that is not in quotes?)",
                )
            )
        record: dict[str, Any] = {
            k: v
            for k, v in row.items()
            if k
            in (
                "id",
                "category",
                "name_bg",
                "name_en",
                "counter_group",
                "source",
                *OPTIONAL_TEXT,
                "iisda",
                "eservice_url",
            )
            and v != ""
        }
        for lang in ("bg", "en"):
            cell = row.get(f"documents_{lang}") or ""
            record[f"documents_{lang}"] = [d.strip() for d in cell.split("\n") if d.strip()]
        for key in KEYWORDS:
            record[key] = [k.strip() for k in (row.get(key) or "").split(",") if k.strip()]
        record["delivery"] = {
            speed: {
                "fee": row.get(f"{speed}_fee") or None,
                "deadline": row.get(f"{speed}_deadline") or None,
            }
            for speed in SPEEDS
            if row.get(f"{speed}_fee") or row.get(f"{speed}_deadline")
        }
        record["unconfirmed"] = [
            u.strip() for u in (row.get("unconfirmed") or "").split(",") if u.strip()
        ]
        # one "regular.fee: where it comes from" a line, as documents are one a line
        record["sources"] = {
            figure.strip(): where.strip()
            for figure, _, where in (
                cell.partition(":") for cell in (row.get("sources") or "").split("\n")
            )
            if figure.strip()
        }
        service, found = _service_from_record(record, line, {})
        problems.extend(found)
        if service:
            services.append(service)
            lines.append(line)
        line = reader.line_num + 1
    _check_document(services, lines, problems, source)
    return CatalogDocument(revision=revision, services=tuple(services))


def load_file(path: Path) -> CatalogDocument:
    data = path.read_bytes()
    if path.suffix.lower() == ".csv":
        return parse_csv(data, str(path))
    return parse_yaml(data, str(path))


def shipped_catalog() -> CatalogDocument:
    """The catalogue that ships with the package (Община Твърдица)."""
    path = resources.files("kiosk") / "data" / "catalog_tvarditsa.yaml"
    return parse_yaml(path.read_bytes(), "catalog_tvarditsa.yaml")


def to_yaml(doc: CatalogDocument) -> str:
    import yaml

    body = {"revision": doc.revision, "services": [_yaml_record(s) for s in doc.services]}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def _yaml_record(service: Service) -> dict[str, Any]:
    data = service.to_dict()
    # a file keeps its shape until a figure is confirmed: no empty `sources` on each service
    return {key: data[key] for key in FIELDS if key in data and (key != "sources" or data[key])}


def to_csv(doc: CatalogDocument) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in doc.services:
        data = s.to_dict()
        row = {key: data.get(key) or "" for key in CSV_COLUMNS if key in data}
        row["documents_bg"] = "\n".join(d.bg for d in s.documents)
        row["documents_en"] = "\n".join(d.en for d in s.documents)
        row["unconfirmed"] = ",".join(s.unconfirmed)
        row["sources"] = "\n".join(f"{figure}: {where}" for figure, where in s.sources)
        row["keywords_bg"], row["keywords_en"] = ", ".join(s.keywords_bg), ", ".join(s.keywords_en)
        for d in s.delivery:
            row[f"{d.speed}_fee"] = format_fee(d.fee_cents) or ""
            row[f"{d.speed}_deadline"] = d.deadline or ""
        writer.writerow(row)
    return out.getvalue()


# --- the catalogue in the site database -----------------------------------------------


def service_from_data(data: dict[str, Any]) -> Service:
    delivery = tuple(
        Delivery(speed, _fee_cents(spec.get("fee")), spec.get("deadline"))
        for speed, spec in data["delivery"].items()
    )
    return Service(
        id=data["id"],
        iisda=data["iisda"],
        category=data["category"],
        counter_group=data["counter_group"],
        source=data["source"],
        legal_basis=data.get("legal_basis", ""),
        eservice_url=data.get("eservice_url"),
        **_texts(data),
        documents=_documents(data["documents_bg"], data["documents_en"]),
        # a catalogue stored before keywords existed has none
        keywords_bg=tuple(data.get("keywords_bg", ())),
        keywords_en=tuple(data.get("keywords_en", ())),
        delivery=delivery,
        unconfirmed=tuple(data["unconfirmed"]),
        # a catalogue stored before sources existed has none
        sources=tuple(data.get("sources", {}).items()),
    )


def store_catalog(db: Database, doc: CatalogDocument, *, source: str) -> int:
    """Replace the site's catalogue with a validated document, in one transaction."""
    with db.write() as s:
        s.execute(delete(CatalogService))
        for i, service in enumerate(doc.services):
            s.add(
                CatalogService(
                    id=service.id, sort=i, category=service.category, data=service.to_dict()
                )
            )
        s.merge(
            CatalogRevision(id=1, revision=doc.revision, source=source[:300], imported_at=utcnow())
        )
    return len(doc.services)


def load_catalog(db: Database) -> CatalogDocument:
    with db.read() as s:
        revision = s.get(CatalogRevision, 1)
        rows = s.scalars(select(CatalogService).order_by(CatalogService.sort))
        services = tuple(service_from_data(r.data) for r in rows)
    return CatalogDocument(revision=revision.revision if revision else 0, services=services)


def ensure_catalog(db: Database) -> None:
    """Load the shipped catalogue into a database that has none yet."""
    with db.read() as s:
        if s.get(CatalogRevision, 1) is not None:
            return
    store_catalog(db, shipped_catalog(), source="shipped: catalog_tvarditsa.yaml")


def by_category(services: Iterable[Service]) -> dict[str, list[Service]]:
    grouped: dict[str, list[Service]] = {c: [] for c in CATEGORIES}
    for s in services:
        grouped[s.category].append(s)
    return grouped
