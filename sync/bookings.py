"""Citizens' bookings at the centre (issue #17): the slots still free, a booking made, seen,
moved or cancelled through its link, and the e-mails owed.

`CentralBookings` serves the citizens' pages, logged in as a member of `kiosk_public`: it
reads the secretary's rules, the published catalogue and every booking's public columns
(`sync.schema.BOOKING_PUBLIC_COLUMNS`), and writes a booking's name and contact without ever
reading them back. Every change to the bookings takes one transaction-scoped advisory lock,
so two citizens taking a slot's last place are served one after the other and the second
finds it gone; the limits per contact, address and day are counted under the same lock.

`remind` is the centre's job (`kiosk central remind`, as the staff web's login, which may
read contacts): it sends the e-mails the pages could not — a confirmation that failed, the
notice of a move or a cancellation — and the day-before reminders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, and_, func, insert, select, text, update
from sqlalchemy.orm import Session

from kiosk.appointments import Slot, SlotRule, free_slots, new_code
from kiosk.config import Config
from kiosk.db import Database
from kiosk.errors import KioskError
from kiosk.mail import BookingMail, MailFailed, Notice, compose, send
from kiosk.messages import valid_contact
from kiosk.models import utcnow
from kiosk.text import Text
from kiosk.ticket_links import TOKEN, TOKEN_BYTES, token_hash
from kiosk.vocabulary import BookingStatus, ContactKind
from sync.appointment_rules import load_rules
from sync.schema import bookings, sites

if TYPE_CHECKING:
    from kiosk.catalog import CatalogDocument, Service

log = logging.getLogger(__name__)

#: the one lock every booking change takes (pg_advisory_xact_lock's key: "booking" in ASCII)
BOOKING_LOCK = 0x626F6F6B696E67


class UnknownBooking(KioskError):
    code = "unknown_booking"
    status = 404


class NotBookable(KioskError):
    """The site, service or slot asked for is not offered (a stale page, a forged form)."""

    code = "not_bookable"
    status = 404


class SlotTaken(KioskError):
    """The slot filled up, or its time passed, while the citizen was choosing."""

    code = "slot_taken"
    status = 409


class BookingClosed(KioskError):
    """The booking is cancelled or its time has passed: nothing to change."""

    code = "booking_closed"
    status = 409


class ContactLimit(KioskError):
    code = "contact_limit"
    status = 409  # a limit the booking would break; 429 is the per-minute request limit


class AddressLimit(KioskError):
    code = "address_limit"
    status = 409  # a limit the booking would break; 429 is the per-minute request limit


class DayLimit(KioskError):
    code = "day_limit"
    status = 409  # a limit the booking would break; 429 is the per-minute request limit


def contact_kind(contact: str) -> ContactKind | None:
    """An e-mail address, a phone number (six digits or more), or None for neither."""
    if not valid_contact(contact):
        return None
    return ContactKind.EMAIL if "@" in contact else ContactKind.PHONE


def normal_contact(contact: str) -> str:
    """The form the limits compare: an address in lower case, a number as its digits with
    Bulgaria's code (0888…, +359 888… and 00359888… are one phone)."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    digits = "".join(ch for ch in contact if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "359" + digits[1:]
    return digits


@dataclass(frozen=True)
class BookableSite:
    site_id: str
    name: Text


@dataclass(frozen=True)
class Offer:
    """A service of the catalogue that a site takes bookings for, and its ticket category."""

    service: Service
    category_code: str


@dataclass(frozen=True)
class Booking:
    """A booking as the citizens' pages see it: no name, no contact."""

    code: str
    site_id: str
    category_code: str
    service_id: str | None
    starts_at: dt.datetime
    slot_minutes: int
    status: BookingStatus
    language: str


@dataclass(frozen=True)
class NewBooking:
    site_id: str
    service_id: str
    starts_at: dt.datetime
    name: str
    contact: str
    language: str
    #: the network address the request came from: only its keyed hash is stored
    address: str


@dataclass(frozen=True)
class Made:
    booking: Booking
    #: the link's key, shown once and never stored (only its SHA-256 is)
    token: str
    contact_kind: ContactKind


_PUBLIC = (
    bookings.c.code,
    bookings.c.site_id,
    bookings.c.category_code,
    bookings.c.service_id,
    bookings.c.starts_at,
    bookings.c.slot_minutes,
    bookings.c.status,
    bookings.c.language,
)


def _booking(row: Row) -> Booking:
    return Booking(
        code=row.code,
        site_id=row.site_id,
        category_code=row.category_code,
        service_id=row.service_id,
        starts_at=row.starts_at,
        slot_minutes=row.slot_minutes,
        status=BookingStatus(row.status),
        language=row.language,
    )


class Catalogues:
    """The newest published catalogue meant for a site, parsed once per revision (a few a
    year: every one parsed is kept)."""

    def __init__(self) -> None:
        self._parsed: dict[int, CatalogDocument] = {}

    def for_site(self, conn: Connection, site_id: str) -> CatalogDocument:
        from kiosk.catalog import parse_yaml, shipped_catalog

        # the newest revision's number is read each time, its text only when it is new
        revision = (
            conn.execute(
                text(
                    "SELECT revision FROM catalog_revisions WHERE NOT draft "
                    "AND (sites IS NULL OR sites @> jsonb_build_array(CAST(:site AS text))) "
                    "ORDER BY revision DESC LIMIT 1"
                ),
                {"site": site_id},
            ).scalar()
            or 0
        )  # 0: none published yet, the shipped catalogue
        if revision not in self._parsed:
            document = conn.execute(
                text("SELECT document FROM catalog_revisions WHERE revision = :r"), {"r": revision}
            ).scalar()
            self._parsed[revision] = (
                parse_yaml(document.encode("utf-8"), f"revision {revision}")
                if document
                else shipped_catalog()
            )
        return self._parsed[revision]


def offers(config: Config, doc: CatalogDocument, rules: Iterable[SlotRule]) -> list[Offer]:
    """The catalogue's services whose ticket category (by counter group, as the kiosk issues
    them) has a rule: what a citizen may book at the rules' site."""
    ruled = {r.category_code for r in rules}
    category = {g: c.code for c in config.categories for g in c.counter_groups}
    return [
        Offer(s, category[s.counter_group])
        for s in doc.services
        if category.get(s.counter_group) in ruled
    ]


class CentralBookings:
    """The booking side of the citizens' pages at the centre."""

    def __init__(
        self, db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tz = config.tz
        self.catalogues = Catalogues()
        self._key = (config.secret("appointments.hash_key") or "").encode("utf-8")

    @property
    def keyed(self) -> bool:
        """Whether the limits' hashes have a key (without one they are plain SHA-256)."""
        return bool(self._key)

    def _hash(self, value: str) -> str:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    # --- what may be booked ---------------------------------------------------------------

    def sites(self) -> list[BookableSite]:
        """The sites with at least one rule, by name."""
        with self.db.read() as s:
            rules = load_rules(s.connection())
            ids = sorted({r.rule.site_id for r in rules})
            names = {
                row.site_id: Text(row.name or row.site_id, row.name_en or "")
                for row in s.execute(
                    select(sites.c.site_id, sites.c.name, sites.c.name_en).where(
                        sites.c.site_id.in_(ids)
                    )
                )
            }
        return sorted(
            (BookableSite(i, names.get(i, Text(i))) for i in ids), key=lambda b: b.name.bg
        )

    def site(self, site_id: str) -> BookableSite:
        found = next((b for b in self.sites() if b.site_id == site_id), None)
        if found is None:
            raise NotBookable("no rule at this site", site=site_id)
        return found

    def offers(self, site_id: str) -> list[Offer]:
        with self.db.read() as s:
            conn = s.connection()
            rules = [r.rule for r in load_rules(conn, site_id=site_id)]
            return offers(self.config, self.catalogues.for_site(conn, site_id), rules)

    def offer(self, site_id: str, service_id: str) -> Offer:
        found = next((o for o in self.offers(site_id) if o.service.id == service_id), None)
        if found is None:
            raise NotBookable("no such bookable service", site=site_id, service=service_id)
        return found

    def free(self, site_id: str, category_code: str) -> list[Slot]:
        """The slots still taking a booking, from `min_notice_minutes` on for `horizon_days`."""
        with self.db.read() as s:
            return self._free(s, site_id, category_code)

    def _free(self, s: Session, site_id: str, category_code: str) -> list[Slot]:
        now = self.clock()
        settings = self.config.appointments
        not_before = now + dt.timedelta(minutes=settings.min_notice_minutes)
        today = now.astimezone(self.tz).date()
        days = [today + dt.timedelta(days=n) for n in range(settings.horizon_days + 1)]
        booked = {
            at: n
            for at, n in s.execute(
                select(bookings.c.starts_at, func.count())
                .where(
                    bookings.c.site_id == site_id,
                    bookings.c.category_code == category_code,
                    bookings.c.status != BookingStatus.CANCELLED.value,
                    bookings.c.starts_at >= now,
                )
                .group_by(bookings.c.starts_at)
            )
        }
        found: dict[dt.datetime, Slot] = {}
        for stored in load_rules(s.connection(), site_id=site_id, category_code=category_code):
            for day in days:
                for slot in free_slots(
                    stored.rule, day, self.tz, booked=booked, not_before=not_before
                ):
                    found.setdefault(slot.starts_at, slot)
        return [found[at] for at in sorted(found)]

    # --- a booking made, seen, moved, cancelled -------------------------------------------

    def _lock(self, s: Session) -> None:
        s.execute(select(func.pg_advisory_xact_lock(BOOKING_LOCK)))

    def _slot(self, s: Session, site_id: str, category_code: str, at: dt.datetime) -> Slot:
        slot = next((f for f in self._free(s, site_id, category_code) if f.starts_at == at), None)
        if slot is None:
            raise SlotTaken("the slot is full or past", starts_at=at.isoformat())
        return slot

    def _check_limits(self, s: Session, contact_hash: str, address_hash: str) -> None:
        now = self.clock()
        settings = self.config.appointments
        midnight = dt.datetime.combine(now.astimezone(self.tz).date(), dt.time(), tzinfo=self.tz)

        def count(*where: object) -> int:
            return int(s.scalar(select(func.count()).select_from(bookings).where(*where)) or 0)

        active = count(
            bookings.c.contact_hash == contact_hash,
            bookings.c.status == BookingStatus.BOOKED.value,
            bookings.c.starts_at >= now,
        )
        if active >= settings.active_per_contact:
            raise ContactLimit("too many bookings for this contact", limit=active)
        if (
            count(bookings.c.address_hash == address_hash, bookings.c.created_at >= midnight)
            >= settings.per_address_day
        ):
            raise AddressLimit("too many bookings from this address today")
        if count(bookings.c.created_at >= midnight) >= settings.per_day:
            raise DayLimit("the day's bookings are all taken")

    def book(self, new: NewBooking) -> Made:
        kind = contact_kind(new.contact)
        if kind is None:
            raise ValueError("the contact is neither a phone number nor an e-mail address")
        offer = self.offer(new.site_id, new.service_id)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        contact_hash = self._hash("contact:" + normal_contact(new.contact))
        now = self.clock()
        day = now.astimezone(self.tz).date().isoformat()
        address_hash = self._hash(f"address:{day}:{new.address}")
        with self.db.write() as s:
            self._lock(s)
            self._check_limits(s, contact_hash, address_hash)
            slot = self._slot(s, new.site_id, offer.category_code, new.starts_at)
            taken = set(s.scalars(select(bookings.c.code)))
            code = new_code()
            while code in taken:
                code = new_code()
            s.execute(
                insert(bookings).values(
                    code=code,
                    manage_hash=token_hash(token),
                    site_id=new.site_id,
                    category_code=offer.category_code,
                    service_id=new.service_id,
                    starts_at=slot.starts_at,
                    slot_minutes=slot.minutes,
                    status=BookingStatus.BOOKED.value,
                    language=new.language,
                    name=new.name.strip(),
                    contact=new.contact.strip(),
                    contact_kind=kind.value,
                    consent_at=now,
                    contact_hash=contact_hash,
                    address_hash=address_hash,
                    created_at=now,
                    updated_at=now,
                )
            )
        booking = Booking(
            code=code,
            site_id=new.site_id,
            category_code=offer.category_code,
            service_id=new.service_id,
            starts_at=slot.starts_at,
            slot_minutes=slot.minutes,
            status=BookingStatus.BOOKED,
            language=new.language,
        )
        return Made(booking, token, kind)

    def _row(self, s: Session, token: str) -> Booking:
        row = (
            s.execute(select(*_PUBLIC).where(bookings.c.manage_hash == token_hash(token))).first()
            if TOKEN.fullmatch(token)
            else None
        )
        if row is None:
            raise UnknownBooking("no booking has this link")
        return _booking(row)

    def get(self, token: str) -> Booking:
        with self.db.read() as s:
            return self._row(s, token)

    def changeable(self, booking: Booking) -> bool:
        return booking.status is BookingStatus.BOOKED and booking.starts_at > self.clock()

    def _open(self, s: Session, token: str) -> Booking:
        booking = self._row(s, token)
        if not self.changeable(booking):
            raise BookingClosed("the booking is cancelled or past", code=booking.code)
        return booking

    def cancel(self, token: str) -> Booking:
        """Cancel; the notice is owed (confirmed_at cleared) and goes with the next reminder run."""
        with self.db.write() as s:
            self._lock(s)
            booking = self._open(s, token)
            s.execute(
                update(bookings)
                .where(bookings.c.manage_hash == token_hash(token))
                .values(
                    status=BookingStatus.CANCELLED.value, updated_at=self.clock(), confirmed_at=None
                )
            )
        return dataclasses.replace(booking, status=BookingStatus.CANCELLED)

    def move(self, token: str, starts_at: dt.datetime) -> Booking:
        """Move to another free slot of the same service; the new time's notice and reminder
        are owed again."""
        with self.db.write() as s:
            self._lock(s)
            booking = self._open(s, token)
            slot = self._slot(s, booking.site_id, booking.category_code, starts_at)
            s.execute(
                update(bookings)
                .where(bookings.c.manage_hash == token_hash(token))
                .values(
                    starts_at=slot.starts_at,
                    slot_minutes=slot.minutes,
                    updated_at=self.clock(),
                    confirmed_at=None,
                    reminded_at=None,
                )
            )
        return dataclasses.replace(booking, starts_at=slot.starts_at)

    def confirmed(self, token: str) -> None:
        """The confirmation e-mail went out: the reminder job owes none."""
        with self.db.write() as s:
            s.execute(
                update(bookings)
                .where(bookings.c.manage_hash == token_hash(token))
                .values(confirmed_at=self.clock())
            )

    # --- the e-mail ----------------------------------------------------------------------

    def mail(self, booking: Booking, offer: Offer, *, to: str, manage_url: str) -> BookingMail:
        return BookingMail(
            notice=Notice.BOOKED,
            to=to,
            language=booking.language,
            code=booking.code,
            starts_at=booking.starts_at,
            site_name=self.site(booking.site_id).name,
            service_name=offer.service.name,
            documents=offer.service.documents,
            manage_url=manage_url,
        )


@dataclass(frozen=True)
class Reminded:
    sent: int
    failed: int


def remind(db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow) -> Reminded:
    """Send what is owed, as the centre's login (it reads contacts): the confirmations and
    notices of moves and cancellations not yet sent, and, from `mail.remind_from`, the
    reminders of tomorrow's bookings made before today. Each sent e-mail is marked at once,
    so a run cut short or repeated sends nothing twice; a failure is left for the next run."""
    now = clock()
    tz = config.tz
    local = now.astimezone(tz)
    tomorrow = local.date() + dt.timedelta(days=1)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=tz)
    with db.read() as s:
        email = and_(
            bookings.c.contact_kind == ContactKind.EMAIL.value,
            bookings.c.contact.is_not(None),
            bookings.c.erased_at.is_(None),
            bookings.c.starts_at > now,
        )
        owed = [
            (Notice.BOOKED if r.status == BookingStatus.BOOKED.value else Notice.CANCELLED, r)
            for r in s.execute(
                select(bookings).where(email, bookings.c.confirmed_at.is_(None))
            ).all()
        ]
        if local.time() >= config.mail.remind_from:
            day_start = dt.datetime.combine(tomorrow, dt.time(), tzinfo=tz)
            owed += [
                (Notice.REMINDER, r)
                for r in s.execute(
                    select(bookings).where(
                        email,
                        bookings.c.status == BookingStatus.BOOKED.value,
                        bookings.c.reminded_at.is_(None),
                        bookings.c.confirmed_at.is_not(None),
                        bookings.c.created_at < midnight,
                        bookings.c.starts_at >= day_start,
                        bookings.c.starts_at < day_start + dt.timedelta(days=1),
                    )
                ).all()
            ]
        conn = s.connection()
        names = {
            r.site_id: Text(r.name or r.site_id, r.name_en or "")
            for r in s.execute(select(sites.c.site_id, sites.c.name, sites.c.name_en))
        }
        catalogues = Catalogues()
        services = {
            site_id: {sv.id: sv for sv in catalogues.for_site(conn, site_id).services}
            for site_id in {r.site_id for _, r in owed}
        }
    sent = failed = 0
    for notice, row in owed:
        service = services[row.site_id].get(row.service_id or "")
        message = compose(
            BookingMail(
                notice=notice,
                to=row.contact,
                language=row.language,
                code=row.code,
                starts_at=row.starts_at,
                site_name=names.get(row.site_id, Text(row.site_id)),
                service_name=service.name if service else Text(row.category_code),
                documents=service.documents if service else (),
            ),
            sender=config.mail.from_address,
            tz=tz,
        )
        try:
            send(config, message)
        except MailFailed as exc:
            log.warning("booking %s: %s not sent: %s", row.code, notice.value, exc)
            failed += 1
            continue
        column = "reminded_at" if notice is Notice.REMINDER else "confirmed_at"
        with db.write() as s:
            s.execute(
                update(bookings)
                .where(bookings.c.booking_id == row.booking_id)
                .values({column: clock()})
            )
        sent += 1
    return Reminded(sent, failed)


def erase_expired(
    db: Database, config: Config, *, clock: Callable[[], dt.datetime] = utcnow
) -> int:
    """Erase the name and contact of the bookings whose slot is `register.retention_days`
    past, as a complainant's are once the case has been closed that long; the hashes go with
    them, since a phone's hash names the phone to anyone who hashes every number. As the
    centre's login (the citizens' pages may not erase). Returns how many were erased."""
    now = clock()
    with db.write() as s:
        erased = s.execute(
            update(bookings)
            .where(
                bookings.c.erased_at.is_(None),
                bookings.c.starts_at < now - dt.timedelta(days=config.register.retention_days),
            )
            .values(
                name=None,
                contact=None,
                contact_kind=None,
                contact_hash=None,
                address_hash=None,
                erased_at=now,
            )
        )
        return erased.rowcount
