"""The yearly report (art. 24) on two hand-made years whose figures are known.

Made through the domain with a hand-moved clock: the queue, the faces, the message box
and the register, at two sites in one database (as on the centre). 2026:

- tvarditsa-ociu, 10.03: 09:00 (civil, called 09:05: 5 min), 09:10 (civil, 09:35: 25 min),
  10:00 (taxes, 10:20: exactly 20 min), 16:40 (taxes, 16:55: 15 min, served until 17:12);
  11.03: 16:30 (taxes, 16:40, served until 17:30); 12.03: 11:00 (taxes, 11:05, done 11:10).
- shivachevo, 10.03: 09:00 (civil, called 09:45: 45 min).

So 5 of 7 called within 20 minutes: ociu 5/6, shivachevo 0/1; civil 1/3, taxes 4/4;
hour 9 1/3, 10 1/1, 11 1/1, 16 2/2. Served after closing: ociu on 2 of 3 days, 12 and
30 minutes (median 21). 2025 (10.06, ociu): 09:00 called 09:30 (30 min), 10:00 called
10:10: 1 of 2.

Messages 2026 (ociu): praise at the kiosk, by letter and by e-mail; a complaint by phone
about local taxes answered in time; a complaint at the kiosk about civil status answered
late; a signal in the paper box, about no service, never answered (open past its due
date at 15.02.2027). 2025: one praise at the kiosk, one complaint answered in time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from kiosk.catalog import ensure_catalog
from kiosk.cli import main
from kiosk.config import Config
from kiosk.db import Database
from kiosk.feedback import Feedback
from kiosk.hours import WorkingHours
from kiosk.messages import Draft, Kind, Messages
from kiosk.models import Message
from kiosk.queue import Queue
from kiosk.register import Register
from kiosk.reports.compute import BadPeriod, Period, Share
from kiosk.reports.render.outputs import write_yearly_outputs
from kiosk.reports.render.publish import chromium
from kiosk.reports.yearly import AfterClosing, YearlyReport, compute_yearly
from kiosk.vocabulary import Channel
from tests.report_fixtures import CIVIL, PERSONAL, TAX, local
from tests.support import Clock, make_config, upgraded

OCIU, SHIVACHEVO = "tvarditsa-ociu", "shivachevo"
AS_OF = dt.date(2027, 2, 15)
needs_chromium = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed")


def _visit(
    queue: Queue,
    clock: Clock,
    day: dt.date,
    *,
    issued: tuple[int, int],
    called: tuple[int, int],
    done: tuple[int, int],
    service_id: str,
    counter: int,
) -> None:
    clock.set(local(day, *issued))
    queue.issue(category="А" if service_id == CIVIL else "Б", service_id=service_id)
    clock.set(local(day, *called))
    queue.call_next(counter=counter, previous="arrived")
    queue.start(counter=counter)
    clock.set(local(day, *done))
    queue.finish(counter=counter)


def build_two_years(
    db: Database, config: Config, village: Config, village_db: Database | None = None
) -> None:
    """The two years above; the village's records into `village_db` where it has its own."""
    other = village_db or db
    for each in {db, other}:
        ensure_catalog(each)
    clock = Clock()
    ociu, shivachevo = Queue(db, config, clock=clock), Queue(other, village, clock=clock)
    faces = Feedback(db, config, clock=clock)
    box = Messages(db, config, clock=clock)
    register = Register(db, config, clock=clock)
    names, contacts, texts = PERSONAL["names"], PERSONAL["contacts"], PERSONAL["texts"]

    def message(
        day: dt.date, kind: Kind, i: int, channel: Channel, service_id: str | None = None
    ) -> Message:
        clock.set(local(day, 11, i))
        filed = box.submit(
            Draft(
                kind=kind,
                text=texts[i],
                name=names[i % len(names)],
                contact=contacts[i % len(contacts)],
                consent=True,
                service_id=service_id,
            )
        )
        # the clerk's registering of a letter, an e-mail or a call stores its channel so
        with db.write() as s:
            s.execute(update(Message).where(Message.uuid == filed.uuid).values(channel=channel))
        return filed

    # --- 2025
    june = dt.date(2025, 6, 10)
    _visit(
        ociu, clock, june, issued=(9, 0), called=(9, 30), done=(9, 40), service_id=CIVIL, counter=1
    )
    _visit(
        ociu, clock, june, issued=(10, 0), called=(10, 10), done=(10, 15), service_id=TAX, counter=3
    )
    faces.rate(score=3, counter_number=1)
    message(june, Kind.PRAISE, 6, Channel.KIOSK)
    old = message(june, Kind.COMPLAINT, 0, Channel.KIOSK, CIVIL)
    clock.set(local(dt.date(2025, 6, 20), 10, 0))
    register.answer(message_uuid=old.uuid, actor="quality1", text="Отговор.")

    # --- 2026
    tue, wed, thu = dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 12)
    _visit(ociu, clock, tue, issued=(9, 0), called=(9, 5), done=(9, 9), service_id=CIVIL, counter=1)
    _visit(
        ociu, clock, tue, issued=(9, 10), called=(9, 35), done=(9, 40), service_id=CIVIL, counter=1
    )
    _visit(
        ociu, clock, tue, issued=(10, 0), called=(10, 20), done=(10, 25), service_id=TAX, counter=3
    )
    faces.rate(score=5, counter_number=3)
    _visit(
        ociu, clock, tue, issued=(16, 40), called=(16, 55), done=(17, 12), service_id=TAX, counter=3
    )
    faces.rate(score=4, counter_number=3)
    _visit(
        ociu, clock, wed, issued=(16, 30), called=(16, 40), done=(17, 30), service_id=TAX, counter=3
    )
    _visit(
        ociu, clock, thu, issued=(11, 0), called=(11, 5), done=(11, 10), service_id=TAX, counter=3
    )
    _visit(
        shivachevo,
        clock,
        tue,
        issued=(9, 0),
        called=(9, 45),
        done=(9, 50),
        service_id=CIVIL,
        counter=1,
    )
    Feedback(other, village, clock=clock).rate(score=2, counter_number=1, terminal_id="village-1")

    message(tue, Kind.PRAISE, 6, Channel.KIOSK)
    message(tue, Kind.PRAISE, 6, Channel.LETTER)
    message(tue, Kind.PRAISE, 6, Channel.EMAIL)
    in_time = message(tue, Kind.COMPLAINT, 1, Channel.PHONE, TAX)  # due 10.04
    late = message(tue, Kind.COMPLAINT, 2, Channel.KIOSK, CIVIL)
    message(tue, Kind.SIGNAL, 4, Channel.BOX)  # due 10.05, never answered
    clock.set(local(dt.date(2026, 4, 1), 10, 0))
    register.answer(message_uuid=in_time.uuid, actor="quality1", text="Отговор по жалбата.")
    clock.set(local(dt.date(2026, 4, 20), 10, 0))
    register.answer(message_uuid=late.uuid, actor="quality1", text="Закъснял отговор.")


@pytest.fixture
def village(tmp_path: Path) -> Config:
    return make_config(tmp_path / "village", site__id=SHIVACHEVO, site__register_prefix="ШИВ")


@pytest.fixture
def two_years(db: Database, config: Config, village: Config) -> Database:
    build_two_years(db, config, village)
    return db


def _yearly(db: Database, config: Config, **kwargs) -> YearlyReport:
    return compute_yearly(
        db,
        period=Period.parse("2026"),
        hours=WorkingHours.from_config(config),
        as_of=AS_OF,
        **kwargs,
    )


def test_the_yearly_figures_on_sqlite_and_postgresql(two_years: Database, config: Config) -> None:
    report = _yearly(two_years, config)
    this, last = report.this, report.last
    assert (report.year, last.report.period.code) == (2026, "2025")

    # waiting at most 20 minutes (the 20:00 exactly counts as within)
    assert this.within_standard == Share(5, 7) and last.within_standard == Share(1, 2)
    assert this.within_by_site == {OCIU: Share(5, 6), SHIVACHEVO: Share(0, 1)}
    assert this.within_by_category == {"civil_status": Share(1, 3), "local_taxes": Share(4, 4)}
    assert this.within_by_hour == {
        9: Share(1, 3),
        10: Share(1, 1),
        11: Share(1, 1),
        16: Share(2, 2),
    }
    assert last.within_by_hour == {9: Share(0, 1), 10: Share(1, 1)}

    # praise and the rest by channel, and by theme (the service's catalogue category)
    assert this.messages_by_channel == {
        ("praise", "kiosk"): 1,
        ("praise", "letter"): 1,
        ("praise", "email"): 1,
        ("complaint", "phone"): 1,
        ("complaint", "kiosk"): 1,
        ("signal", "box"): 1,
    }
    assert last.messages_by_channel == {("praise", "kiosk"): 1, ("complaint", "kiosk"): 1}
    assert this.messages_by_theme == {
        ("praise", "-"): 3,
        ("complaint", "local_taxes"): 1,
        ("complaint", "civil_status"): 1,
        ("signal", "-"): 1,
    }

    # handling within the deadlines, from the register's events
    deadlines = this.report.complaints
    assert (deadlines.answerable, deadlines.answered_on_time, deadlines.answered_late) == (3, 1, 1)
    assert (deadlines.overdue, deadlines.open_not_due) == (1, 0)
    assert (last.report.complaints.answerable, last.report.complaints.answered_on_time) == (1, 1)

    # served after closing (17:00): two of ociu's three days, 12 and 30 minutes
    assert this.after_closing == {
        OCIU: AfterClosing(days=3, days_after=2, median_min=21.0, longest_min=30.0),
        SHIVACHEVO: AfterClosing(days=1, days_after=0, median_min=None, longest_min=None),
    }
    assert last.after_closing == {OCIU: AfterClosing(1, 0, None, None)}

    # satisfaction, by site
    assert {site: s.faces for site, s in this.by_site.items()} == {
        OCIU: {4: 1, 5: 1},
        SHIVACHEVO: {2: 1},
    }
    assert last.by_site[OCIU].happiness == 50

    # one site alone
    alone = _yearly(two_years, config, sites=[SHIVACHEVO])
    assert alone.this.within_standard == Share(0, 1) and alone.this.messages == 0
    assert set(alone.this.after_closing) == {SHIVACHEVO}


def test_a_yearly_report_is_for_a_year(sqlite_db: Database, config: Config) -> None:
    with pytest.raises(BadPeriod):
        compute_yearly(
            sqlite_db,
            period=Period.parse("2026-Q1"),
            hours=WorkingHours.from_config(config),
            as_of=AS_OF,
        )


@needs_chromium
def test_the_published_yearly_report_in_bulgarian_without_personal_data(
    sqlite_db: Database, config: Config, village: Config, tmp_path: Path
) -> None:
    build_two_years(sqlite_db, config, village)
    out = write_yearly_outputs(
        _yearly(sqlite_db, config), tmp_path / "out", config=config, generated=AS_OF
    )
    html = out.html.read_text(encoding="utf-8")
    pdf = " ".join(
        " ".join(page.extract_text() for page in PdfReader(out.pdf).pages).split()  # type: ignore[arg-type]
    )
    for text in (html, pdf):
        assert "Годишен доклад за удовлетвореността на потребителите за 2026 г." in text
        assert "Обслужване след края на работното време" in text
        assert "Извикани до 20 минути, по час на издаване на билета" in text
    # the year-on-year change beside each figure: 5/7 against 1/2 called within 20 minutes
    assert "+21,4 п.п." in html and "+21,4 п.п." in pdf
    assert "Електронна поща" in html and "Кутия за мнения" in html
    for values in PERSONAL.values():
        for value in values:
            assert value not in html and value not in pdf, value
    for answer in ("Отговор по жалбата.", "Закъснял отговор."):
        assert answer not in html and answer not in pdf


def test_kiosk_report_yearly_writes_the_html_and_refuses_a_quarter(
    tmp_path: Path, config: Config, village: Config, capsys
) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        f'[paths]\ndata_dir = "{tmp_path / "var"}"\n[site]\nid = "{OCIU}"\n', encoding="utf-8"
    )
    db = upgraded(f"sqlite:///{tmp_path / 'var' / 'kiosk.sqlite'}", config)
    build_two_years(db, config, village)
    db.dispose()
    out = tmp_path / "site"
    base = ["--config", str(toml), "report", "--out", str(out), "--as-of", str(AS_OF), "--no-pdf"]
    assert main([*base, "--yearly", "2026-Q1"]) == 2
    assert "a year like 2026" in capsys.readouterr().err
    assert main([*base, "--yearly", "2026", "--period", "2026"]) == 2
    assert main(["--json", *base, "--yearly", "2026", "--site", OCIU]) == 0
    said = capsys.readouterr()
    assert '"within_20_min": 0.8333' in said.out and "computing the yearly report" in said.err
    assert (out / "yearly-2026.html").is_file() and not (out / "yearly-2026.pdf").exists()
