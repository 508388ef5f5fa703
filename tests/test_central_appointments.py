"""The secretary's appointment rules at the centre's web, the coming bookings and the report,
on a real central database (the web's own login over TCP) and a real site's pushed records."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, insert, select

from central_web.app import create_central_app
from kiosk.cli import main
from kiosk.hours import WorkingHours
from kiosk.models import AppointmentEvent, Ticket, TicketOutcome
from kiosk.reports.compute import Period
from sync.appointment_report import appointment_figures
from sync.appointment_rules import RuleForm, RuleRefused, load_rules, save_rule
from sync.job import run_sync
from sync.schema import bookings, centre_views
from tests.central_web_fixtures import Centre, sign_in_centre
from tests.support import make_config, upgraded
from tests.test_catalogue_web import _bulgarian
from tests.web_fixtures import LiveServer, serve

#: a Wednesday morning in Sofia; next week runs Monday 7 to Sunday 13 December
NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 12, 7)

RULE = {
    "site_id": "centre",
    "category_code": "А",
    "weekdays": ["1", "3"],
    "starts": "09:00",
    "ends": "11:00",
    "slot_minutes": "30",
    "capacity": "4",
    "walk_in_share": "25",
    "valid_from": "",
    "valid_to": "",
}


@pytest.fixture
def live(centre: Centre) -> Iterator[LiveServer]:
    server = serve(create_central_app(centre.config, centre.db, clock=lambda: NOW))
    yield server
    server.stop()


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SOFIA).astimezone(dt.UTC)


SOFIA = make_config(Path("/nonexistent")).tz


def book(
    centre: Centre, at: dt.datetime, *, status: str = "booked", site: str = "centre", **more: object
) -> uuid.UUID:
    booking = uuid.uuid4()
    engine = create_engine(centre.admin_url)
    with engine.begin() as conn:
        conn.execute(
            insert(bookings).values(
                booking_id=booking,
                code=str(booking.int)[: 6 + len(str(booking.int)) % 6],
                manage_hash=hashlib.sha256(booking.bytes).hexdigest(),
                site_id=site,
                category_code="А",
                starts_at=at,
                slot_minutes=30,
                status=status,
                name=more.get("name", "Иван Петров"),
                contact=more.get("contact", "+359888123456"),
                contact_kind="phone",
            )
        )
    engine.dispose()
    return booking


@contextmanager
def signed_in(live: LiveServer, username: str = "secretary") -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=live.url) as client:
        yield client, sign_in_centre(client, username)


def test_the_secretary_saves_a_rule_and_sees_next_weeks_slots_booked_and_free(
    centre: Centre, live: LiveServer
) -> None:
    book(centre, local(MONDAY, 9))
    book(centre, local(MONDAY, 9, 30))
    book(centre, local(MONDAY, 10), status="cancelled")  # a cancelled one takes no place
    book(centre, local(MONDAY, 14))  # outside the rule's hours: not its booking
    with signed_in(live) as (client, csrf):
        saved = client.post("/appointments/rules", data={**RULE, "csrf_token": csrf})
        assert saved.status_code == 303, saved.text
        page = client.get(saved.headers["location"])
    assert page.status_code == 200
    with centre.db.engine.connect() as conn:
        (stored,) = load_rules(conn)
    assert stored.updated_by == "secretary"
    assert stored.rule.weekdays == (1, 3) and stored.rule.bookable == 3
    # Monday: four half-hour slots of three bookable places, two of them booked
    monday = page.text.split(f'data-day="{MONDAY.isoformat()}">')[1].split("</span>")[0]
    assert "4 интервала" in monday and "12 за записване" in monday and "2 записани" in monday
    wednesday = page.text.split(f'data-day="{(MONDAY + dt.timedelta(days=2)).isoformat()}">')[1]
    assert "0 записани" in wednesday.split("</span>")[0]
    assert f'data-day="{(MONDAY + dt.timedelta(days=1)).isoformat()}"' not in page.text
    # the change is logged as the centre logs every request: who, the site and the rule
    with centre.db.engine.connect() as conn:
        logged = conn.execute(
            select(centre_views.c.username, centre_views.c.site_id, centre_views.c.record).where(
                centre_views.c.method == "POST", centre_views.c.path == "/appointments/rules"
            )
        ).all()
    assert logged == [("secretary", "centre", f"rule {stored.id}")]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"starts": "08:00"}, "starts", "08:30"),
        ({"ends": "17:30"}, "ends", "17:00"),
        ({"starts": "9 ч."}, "starts", "ЧЧ:ММ"),
        ({"slot_minutes": "25"}, "slot_minutes", "25"),
        ({"slot_minutes": "7"}, "slot_minutes", "стъпки по 5"),
        ({"capacity": "0"}, "capacity", "от 1 до 50"),
        ({"walk_in_share": "101"}, "walk_in_share", "от 0 до 100"),
        ({"weekdays": []}, "weekdays", "поне един"),
        ({"weekdays": ["6"]}, "weekdays", "Събота"),
        ({"valid_from": "2027-02-01", "valid_to": "2027-01-01"}, "valid_to", "след първия"),
        ({"category_code": "ab"}, "category_code", "главна буква"),
    ],
)
def test_a_bad_rule_is_refused_beside_its_field_in_bulgarian_and_what_was_typed_is_kept(
    centre: Centre, live: LiveServer, changes: dict[str, object], field: str, words: str
) -> None:
    with signed_in(live) as (client, csrf):
        refused = client.post("/appointments/rules", data={**RULE, **changes, "csrf_token": csrf})
    assert refused.status_code == 422
    why = refused.text.split(f'id="why-{field}" role="alert">')[1].split("</p>")[0]
    assert words in why
    for key, value in changes.items():
        if isinstance(value, str):
            assert f'name="{key}" value="{value}"' in refused.text
    with centre.db.engine.connect() as conn:
        assert load_rules(conn) == []


def test_a_rule_overlapping_another_of_its_site_and_category_is_refused(centre: Centre) -> None:
    hours = WorkingHours.from_config(centre.config)
    sites = ("centre", "shivachevo")
    form = RuleForm(**{**RULE, "weekdays": ("1", "3")})
    with centre.db.engine.begin() as conn:
        first = save_rule(conn, form, hours=hours, site_ids=sites, by="secretary", now=NOW)
        # Wednesday 10:30–12:00 meets the first rule's Wednesday 09:00–11:00
        later = RuleForm(**{**RULE, "weekdays": ("3",), "starts": "10:30", "ends": "12:00"})
        with pytest.raises(RuleRefused) as refused:
            save_rule(conn, later, hours=hours, site_ids=sites, by="secretary", now=NOW)
        assert [p.code for p in refused.value.problems] == ["overlaps"]
        # an afternoon, another category, another site, or after the first rule ends: no overlap
        for other in (
            {"starts": "11:00", "ends": "12:00"},
            {"category_code": "Б"},
            {"site_id": "shivachevo"},
        ):
            save_rule(
                conn,
                RuleForm(**{**RULE, "weekdays": ("3",), **other}),
                hours=hours,
                site_ids=sites,
                by="secretary",
                now=NOW,
            )
        # editing the first rule does not overlap with itself
        save_rule(
            conn,
            RuleForm(**{**RULE, "weekdays": ("1", "3"), "capacity": "6"}),
            hours=hours,
            site_ids=sites,
            by="secretary",
            now=NOW,
            rule_id=first,
        )
        assert len(load_rules(conn)) == 4


def test_the_officer_and_the_auditor_read_the_rules_and_change_none(
    centre: Centre, live: LiveServer
) -> None:
    with signed_in(live) as (client, csrf):
        client.post("/appointments/rules", data={**RULE, "csrf_token": csrf})
    with centre.db.engine.connect() as conn:
        (stored,) = load_rules(conn)
    for username in ("officer", "auditor"):
        with signed_in(live, username) as (client, csrf):
            assert "09:00–11:00" in client.get("/appointments").text
            for path in (
                "/appointments/rules",
                f"/appointments/rules/{stored.id}",
                f"/appointments/rules/{stored.id}/delete",
            ):
                assert client.post(path, data={**RULE, "csrf_token": csrf}).status_code == 403
    with centre.db.engine.connect() as conn:
        assert load_rules(conn) == [stored]


def test_the_secretary_edits_and_deletes_a_rule(centre: Centre, live: LiveServer) -> None:
    with signed_in(live) as (client, csrf):
        client.post("/appointments/rules", data={**RULE, "csrf_token": csrf})
        with centre.db.engine.connect() as conn:
            (stored,) = load_rules(conn)
        form = client.get(f"/appointments/rules/{stored.id}").text
        assert 'name="starts" value="09:00"' in form and 'value="3" checked' in form
        edited = {**RULE, "capacity": "8", "csrf_token": csrf}
        assert client.post(f"/appointments/rules/{stored.id}", data=edited).status_code == 303
        with centre.db.engine.connect() as conn:
            (changed,) = load_rules(conn)
        assert changed.id == stored.id and changed.rule.capacity == 8
        gone = client.post(f"/appointments/rules/{stored.id}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303
        assert (
            client.post(
                f"/appointments/rules/{stored.id}/delete", data={"csrf_token": csrf}
            ).status_code
            == 404
        )
    with centre.db.engine.connect() as conn:
        assert load_rules(conn) == []


def test_the_coming_bookings_are_counted_by_status_and_named_only_to_who_may_see_them(
    centre: Centre, live: LiveServer
) -> None:
    tomorrow = NOW.astimezone(SOFIA).date() + dt.timedelta(days=1)
    book(centre, local(tomorrow, 9), name="Мария Колева", contact="maria@example.bg")
    book(centre, local(tomorrow, 9, 30))
    book(centre, local(tomorrow, 10), status="cancelled")
    book(centre, local(tomorrow, 10), site="shivachevo")
    book(centre, local(tomorrow + dt.timedelta(days=30), 10))  # beyond the two weeks
    for username, personal in (("secretary", True), ("officer", True), ("auditor", False)):
        with signed_in(live, username) as (client, _csrf):
            every = client.get("/appointments/bookings").text
            one = client.get("/appointments/bookings", params={"site": "centre"}).text
        row = every.split(f"<td>{tomorrow:%d.%m.%Y}</td>")[1].split("</tr>")[0]
        assert row.split("<td>")[1:3] == ["2</td>", "1</td>"]  # booked, cancelled at the centre
        assert every.count(f"<td>{tomorrow:%d.%m.%Y}</td>") == 2  # and one row for Shivachevo
        assert ("Мария Колева" in one and "maria@example.bg" in one) is personal
        assert "Мария Колева" not in every  # no names without a site chosen
    with centre.db.engine.connect() as conn:
        logged = (
            conn.execute(
                select(centre_views.c.username).where(
                    centre_views.c.path == "/appointments/bookings?site=centre",
                    centre_views.c.site_id == "centre",
                )
            )
            .scalars()
            .all()
        )
    assert sorted(logged) == ["auditor", "officer", "secretary"]


def _visit(
    rows: dict[type, list[dict[str, object]]],
    *,
    site: str,
    at: dt.datetime,
    wait_s: int,
    number: int,
    booking: uuid.UUID | None = None,
    kind: str = "checked_in",
) -> None:
    ticket = uuid.uuid4()
    common = {"site_id": site, "created_at": at}
    rows[Ticket].append(
        common
        | {
            "uuid": ticket,
            "service_day": at.date(),
            "category_code": "А",
            "number": number,
            "label": f"А{number:03d}",
            "service_id": None,
            "priority": False,
            "language": "bg",
            "terminal_id": "kiosk-1",
        }
    )
    rows[TicketOutcome].append(
        common
        | {
            "uuid": uuid.uuid4(),
            "ticket_uuid": ticket,
            "outcome": "done",
            "service_day": at.date(),
            "issued_at": at,
            "service_id": None,
            "category": "-",
            "hour": at.astimezone(SOFIA).hour,
            "counter_number": 1,
            "wait_s": wait_s,
            "service_s": 300,
        }
    )
    if booking is not None:
        rows[AppointmentEvent].append(
            common
            | {"uuid": uuid.uuid4(), "booking_id": booking, "kind": kind, "ticket_uuid": ticket}
        )


def test_the_report_counts_bookings_their_fate_the_waits_and_the_capacity_booked(
    centre: Centre, live: LiveServer, tmp_path: Path, capsys
) -> None:
    """November 2026 at the site "centre": rules, bookings at the centre, and what the site's
    kiosk recorded of them pushed by a real sync."""
    hours = WorkingHours.from_config(centre.config)
    with centre.db.engine.begin() as conn:
        # Mondays 09:00–10:00, two half-hour slots of 2 bookable places (capacity 3, share 30)
        rule = {**RULE, "weekdays": ("1",), "ends": "10:00", "capacity": "3", "walk_in_share": "30"}
        save_rule(conn, RuleForm(**rule), hours=hours, site_ids=("centre",), by="s", now=NOW)
    mondays = [dt.date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
    kept = [book(centre, local(mondays[0], 9)) for _ in range(2)]
    late = book(centre, local(mondays[1], 9))
    no_show = book(centre, local(mondays[1], 9, 30))
    book(centre, local(mondays[2], 9), status="cancelled")
    book(centre, local(mondays[3], 9))  # the site has not said yet
    book(centre, local(dt.date(2026, 12, 7), 9))  # December: another period
    book(centre, local(mondays[0], 9), site="shivachevo")  # another site

    config = make_config(tmp_path, site__id="centre")
    site = upgraded(f"sqlite:///{tmp_path / 'site.sqlite'}", config)
    rows: dict[type, list[dict[str, object]]] = {
        Ticket: [],
        TicketOutcome: [],
        AppointmentEvent: [],
    }
    _visit(rows, site="centre", at=local(mondays[0], 8, 55), wait_s=120, number=1, booking=kept[0])
    _visit(rows, site="centre", at=local(mondays[0], 8, 58), wait_s=240, number=2, booking=kept[1])
    # the late one took a walk-in ticket: it waits as walk-ins do
    _visit(
        rows,
        site="centre",
        at=local(mondays[1], 9, 20),
        wait_s=1200,
        number=1,
        booking=late,
        kind="late",
    )
    for n, wait in enumerate((600, 1800, 900), start=3):
        _visit(rows, site="centre", at=local(mondays[0], 10), wait_s=wait, number=n)
    rows[AppointmentEvent].append(
        {
            "site_id": "centre",
            "created_at": local(mondays[1], 17, 5),
            "uuid": uuid.uuid4(),
            "booking_id": no_show,
            "kind": "no_show",
            "ticket_uuid": None,
        }
    )
    with site.write() as s:
        for model, values in rows.items():
            s.execute(insert(model.__table__), values)  # type: ignore[attr-defined]
    target = centre.server.site_target(centre.admin_url, centre.sites["centre"])
    outcome = run_sync(site, target, batch_size=50, time_budget_s=30)
    assert outcome.ok, outcome.error
    site.dispose()

    with centre.db.engine.connect() as conn:  # the web's own login, as /reports/appointments
        figures = appointment_figures(
            conn, period=Period.parse("2026-11"), hours=hours, sites=["centre"]
        )
    assert (figures.booked, figures.cancelled, figures.open) == (6, 1, 1)
    assert (figures.kept, figures.on_time, figures.late, figures.no_show) == (3, 2, 1, 1)
    # five Mondays of two slots of two places: 20; five live bookings
    assert figures.capacity == 20 and figures.capacity_share == 25
    assert figures.appointment_wait.tickets == 2 and figures.appointment_wait.mean_min == 3
    assert figures.walk_in_wait.tickets == 4
    assert figures.walk_in_wait.median_min == pytest.approx((900 + 1200) / 2 / 60)

    command = ["--json", "central", "report", "--url", centre.admin_url.replace("+psycopg", "")]
    command += ["--sslmode", "disable", "--period", "2026-11", "--appointments", "--site", "centre"]
    assert main([*command, "--lang", "en", "--out", str(tmp_path / "out")]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["booked"] == 6 and said["on_time"] == 2 and said["capacity"] == 20
    assert "Иван" not in json.dumps(said, ensure_ascii=False)
    with (tmp_path / "out" / "appointments-2026-11.csv").open(encoding="utf-8-sig") as fp:
        lines = dict(csv.reader(fp))
    assert lines["Booked"] == "6" and lines["No-show"] == "1"
    assert lines["Share of capacity booked"] == "25.0% (5 of 20 bookable places)"
    assert lines["Waiting of booked visitors"] == "3.0 min on average, median 3.0 min (tickets: 2)"

    # the centre's page: the same figures in Bulgarian, and no name or contact
    with signed_in(live, "auditor") as (client, _csrf):
        page = client.get("/reports/appointments", params={"period": "2026-11", "site": "centre"})
        wrong = client.get("/reports/appointments", params={"period": "ноември"})
    assert page.status_code == 200
    rows = dict(re.findall(r"<tr><th>([^<]+)</th><td>([^<]+)</td></tr>", page.text))
    assert rows["Записани"] == "6" and rows["Не се явили"] == "1"
    assert rows["Дял на записания капацитет"] == "25,0% (5 от 20 места за записване)"
    assert "Иван" not in page.text and "+359" not in page.text
    assert wrong.status_code == 422 and "2026-Q3" in wrong.text


@pytest.mark.parametrize(
    ("packages", "files"),
    [
        (
            ("central_web", "kiosk.web", "kiosk"),
            (
                "central_web/templates/appointments_base.html",
                "central_web/templates/appointments.html",
                "central_web/templates/appointment_bookings.html",
                "central_web/templates/appointment_report.html",
                "central_web/routes/appointments.py",
                "sync/appointment_rules.py",
            ),
        ),
        (("kiosk.reports",), ("sync/appointment_report.py",)),
    ],
)
def test_every_appointment_text_has_its_bulgarian_with_the_same_places(
    packages: tuple[str, ...], files: tuple[str, ...]
) -> None:
    root = Path(__file__).resolve().parent.parent
    bulgarian = {k: v for package in reversed(packages) for k, v in _bulgarian(package).items()}
    mark = re.compile(r"""\b(?:_|N_|ngettext)\(\s*(["'])((?:(?!\1).)+)\1""")
    sources = {m[2] for f in files for m in mark.finditer((root / f).read_text(encoding="utf-8"))}
    assert len(sources) > 10
    assert not sorted(s for s in sources if not bulgarian.get(s))
    for source in sources:
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", bulgarian[source]))
