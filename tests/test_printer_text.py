"""Nothing the kiosk prints turns into "?": every printable text on every printer profile.

Each job is composed for a profile of python-escpos' capabilities database, and the bytes
are decoded back with that profile's code pages. What comes off the paper must carry
every word the layout asked for, in Cyrillic where the profile has a Cyrillic page and in
Latin letters where it has none; € is printed as € or written out, never replaced.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from escpos.capabilities import CAPABILITIES, Profile, get_profile
from escpos.printer import Dummy

from devices import layout
from devices.render import decode
from kiosk.catalog import shipped_catalog
from kiosk.config import Config
from kiosk.db import Database
from kiosk.labels import MESSAGE_KINDS, REVIEW, REVIEW_NOTES, label, review_note_text
from kiosk.printing import ComplaintReceipt, TicketSlip, ticket_slip
from kiosk.queue import Queue
from kiosk.translit import to_latin
from tests.support import Clock

LANGUAGES = ("bg", "en")


def _profiles_by_outcome() -> dict[tuple[tuple[str, ...], int], str]:
    """One profile for each (code pages chosen, columns): the others print the same bytes."""
    seen: dict[tuple[tuple[str, ...], int], str] = {}
    for name in sorted(CAPABILITIES["profiles"]):
        profile = get_profile(name)
        pages = layout.code_pages(frozenset(profile.get_code_pages()))
        seen.setdefault((pages, profile.get_columns("a")), name)
    return seen


PROFILES = sorted(_profiles_by_outcome().values())


@dataclass
class Intended:
    """Stands where a Paper goes and keeps the texts the layout asks to print."""

    texts: list[str] = field(default_factory=list)
    columns: int = 42

    def line(self, text: str = "", **_: object) -> None:
        self.texts.append(text)

    def rule(self) -> None:
        self.line("-" * self.columns)

    def qr(self, data: str) -> None:
        pass

    def cut(self) -> None:
        pass


Draw = Callable[[object], None]


def _jobs(slips: list[TicketSlip], receipts: list[ComplaintReceipt]) -> list[tuple[str, str, Draw]]:
    jobs: list[tuple[str, str, Draw]] = []
    for service in shipped_catalog().services:
        for language in LANGUAGES:
            jobs.append(
                (
                    f"service {service.id} {language}",
                    language,
                    lambda p, s=service, lang=language: layout.service_info(p, s, lang),
                )
            )
    for slip in slips:
        jobs.append(
            (
                f"ticket {slip.label} {slip.language}",
                slip.language,
                lambda p, s=slip: layout.ticket(p, s),
            )
        )
    for receipt in receipts:
        jobs.append(
            (
                f"receipt {receipt.kind} {receipt.review_status} {receipt.language}",
                receipt.language,
                lambda p, r=receipt: layout.receipt(p, r),
            )
        )
    return jobs


def _slips(db: Database, config: Config, clock: Clock) -> list[TicketSlip]:
    """A ticket of every category, with and without a chosen service, in both languages."""
    queue = Queue(db, config, clock=clock)
    services = shipped_catalog().services
    slips = []
    for category in config.categories:
        service = next(
            (s for s in services if s.counter_group in category.counter_groups), services[0]
        )
        for chosen in (None, service):
            issued = queue.issue(category=category.code, service_id=chosen.id if chosen else None)
            for language in LANGUAGES:
                slips.append(
                    ticket_slip(issued=issued, config=config, service=chosen, language=language)
                )
    # a booked visitor's ticket: called at the slot, before it or once it has come, or missed
    slot = slips[0].issued_at.replace(minute=30)
    for language_slips in (slips[:2], slips[-2:]):
        for slip in language_slips:
            for at, missed in ((slot, False), (slip.issued_at, False), (slot, True)):
                slips.append(replace(slip, appointment_at=at, appointment_missed=missed))
    return slips


def _receipts(config: Config) -> list[ComplaintReceipt]:
    """A receipt of every message kind and review outcome, in both languages."""
    registered = dt.datetime(2026, 11, 25, 10, 0, tzinfo=config.tz)
    receipts = []
    for language in LANGUAGES:
        for kind in MESSAGE_KINDS:
            for status in REVIEW:
                for note in (None, *REVIEW_NOTES) if status != "registered" else (None,):
                    receipts.append(
                        ComplaintReceipt(
                            language=language,
                            site_name=config.site.name.get(language),
                            reg_number=f"{config.site.register_prefix}-2026-00017",
                            kind=kind,
                            registered_at=registered,
                            due_date=dt.date(2026, 12, 25) if status == "registered" else None,
                            review_status=label(REVIEW, status, language),
                            review_note=review_note_text(note, language) if note else None,
                            check_code="482917",
                        )
                    )
    return receipts


WORD = re.compile(r"\w+")


def _unaccented(word: str) -> str:
    """é → e, as an ASCII-only printer writes it; Cyrillic letters (й) stay as they are."""
    folded = (unicodedata.normalize("NFKD", c) for c in word)
    return "".join(f[0] if f[0].isascii() else c for c, f in zip(word, folded, strict=True))


@pytest.mark.parametrize("profile", PROFILES)
def test_every_printable_text_comes_off_the_paper_as_written(
    profile: str, sqlite_db: Database, config: Config, clock: Clock
) -> None:
    # GIVEN every text the kiosk prints: service sheets, tickets, receipts, the config's names
    jobs = _jobs(_slips(sqlite_db, config, clock), _receipts(config))
    problems = []
    for name, language, draw in jobs:
        intended = Intended(columns=get_profile(profile).get_columns("a"))
        draw(intended)
        # WHEN the job is composed for the profile and its bytes read back
        printer = Dummy(profile=profile)
        paper = layout.Paper(printer, language=language)
        draw(paper)
        printed = decode(printer.output, profile=profile).text
        # THEN no character was replaced, and every word is there as the visitor wrote it
        source = "\n".join(intended.texts)
        if not paper.cyrillic:
            source = to_latin(source)
        if "\ufffd" in printed or printed.count("?") != source.count("?"):
            problems.append(f"{name}: a replaced character in {printed!r}")
        # a long word may break across lines on narrow paper: look for it in the joined text
        joined = "".join(printed.split())
        missing = [
            w for w in WORD.findall(source) if w not in joined and _unaccented(w) not in joined
        ]
        if missing:
            problems.append(f"{name}: {missing} not printed")
        euros, written = source.count("€"), printed.count("€")
        if (
            written != euros
            and printed.count(layout.EURO_WORD[language]) + printed.count("EUR") < euros
        ):
            problems.append(f"{name}: a price without its currency")
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize(
    ("profile", "pages"),
    [
        ("default", ("CP1251",)),  # Cyrillic, €, „“ in one page: no switching
        ("TM-T88IV", ("CP866", "CP1252")),  # Cyrillic, and a Latin page for € and „“
        ("T-1", ("CP858",)),  # no Cyrillic: Latin letters, € from CP858
        ("TM-U220", ()),  # ASCII only: Latin letters and EUR
    ],
)
def test_the_code_pages_come_from_the_profile(profile: str, pages: tuple[str, ...]) -> None:
    assert layout.code_pages(frozenset(get_profile(profile).get_code_pages())) == pages


@pytest.mark.parametrize(
    ("profile", "language", "fee"),
    [
        ("default", "bg", "Обикновена: 2,56 €, 7 дни *"),
        ("TM-T88IV", "bg", "Обикновена: 2,56 €, 7 дни *"),
        ("TM-U220", "bg", "Obiknovena: 2,56 EUR, 7 dni *"),
        ("TM-U220", "en", "Regular: EUR 2.56, 7 days *"),
        ("ZJ-5870", "en", "Regular: €2.56, 7 days *"),
    ],
)
def test_a_fee_prints_with_its_currency(profile: str, language: str, fee: str) -> None:
    service = next(s for s in shipped_catalog().services if s.id == "2016")
    printer = Dummy(profile=profile)
    layout.service_info(layout.Paper(printer, language=language), service, language)
    assert fee in decode(printer.output, profile=profile).text.splitlines()


def test_a_cyrillic_page_without_euro_writes_the_word() -> None:
    # GIVEN a profile whose only Cyrillic page is CP866 and that has no page with €
    profile = Profile()
    profile.profile_data = {**profile.profile_data, "codePages": {"0": "CP437", "17": "CP866"}}
    printer = Dummy(profile=profile)
    paper = layout.Paper(printer, language="bg")
    # WHEN a fee and the address with Bulgarian quotes are printed
    paper.line("Такса: 2,56 €")
    paper.line("пл. „Свобода“ № 1")
    # THEN € is written "евро", the quotes are plain ones, and № (in CP866) stays
    lines = decode(printer.output, profile="default").text.splitlines()
    assert lines == ["Такса: 2,56 евро", 'пл. "Свобода" № 1']
