"""The central database: its own schema (not the site's Alembic tree), roles and row security.

Record tables mirror the site's, keyed by the site and the record's UUID (two sites may make
the same UUID: neither may shadow the other's row), plus the server's `received_at`.
Sites log in as `site_<site id>`, members of the group role `kiosk_sites`, which may INSERT
records and SELECT the catalogue; row-level security (forced, so even the tables' owner is
bound) lets a site role insert and read only rows whose `site_id` its own role name carries.
A site's `pii_erased` event deletes its contact row and scanned letters here too (the
retention of issues #7 and #16).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from kiosk.errors import KioskError
from kiosk.models import RECORD_TABLES, SignInAttempts, StaffSession, StaffUser, UTCDateTime
from kiosk.vocabulary import HandledAt

# 2: ticket_outcomes; a site's pii_erased event erases the central copy of its contact
# 3: records keyed by (site_id, uuid), not the UUID alone; sync_log notes what a run held and
# the site's clock skew
# 4: the centre's staff web (issue #16): its accounts and sessions, the role it logs in as,
# who handles each site's messages, the sites' pushed status, who published a catalogue and
# for which sites, the scanned letters attached to messages staff register, the log of who
# at the centre viewed what
# 5: the citizens' pages at the centre (issue #17): their own role; what each site reports
# of its live tickets and the visitors' "I'm leaving" waiting for the site; appointments:
# the secretary's slot rules and the citizens' bookings; the sites' names, as the centre's
# pages show them (`_site_names`)
# 6: the handover's version (`site_settings.version`, `sync_log.settings_version`), so a
# handover that commits during a site's run never counts as learned by it; a forced
# takeover; each site's register prefix; site_status kept to a bounded history (`_handover`)
# 7: a live ticket sent to a counter that is closed says which (`public_tickets.closed_counter`),
# so the citizen's page says it waits out a break instead of "a counter will call you"
SCHEMA_VERSION = 7
GROUP_ROLE = "kiosk_sites"
SITE_ROLE_PREFIX = "site_"
#: the group role of the centre's staff web: reads every site, writes only what it handles
CENTRE_ROLE = "kiosk_centre"
#: the group role of the citizens' pages at the centre: no staff table, no site's records
PUBLIC_ROLE = "kiosk_public"
#: the keys of the records the centre makes itself: negative, so never in a site's push ranges
CENTRE_SEQUENCE = "centre_record_seq"
#: the records the centre's web may make: a message it registers, with its contact and scan
CENTRE_REGISTERS = ("messages", "message_contacts", "message_attachments")

central = MetaData()

schema_version = Table("central_schema", central, Column("version", Integer, nullable=False))

sites = Table(
    "sites",
    central,
    Column("site_id", String(40), primary_key=True),
    Column("role_name", String(63), nullable=False, unique=True),
    Column("added_at", UTCDateTime, nullable=False, server_default=func.now()),
    # added by version 5 (`_site_names`): the place's name, Bulgarian and English; a site not
    # named yet is shown by its id
    Column("name", String(120)),
    Column("name_en", String(120)),
    # added by version 6: the prefix of the site's registration numbers (site.register_prefix),
    # unique, so no two sites of the municipality number a message alike
    Column("register_prefix", String(40), unique=True),
)

catalog_revisions = Table(
    "catalog_revisions",
    central,
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("source", String(300), nullable=False),
    # the YAML text, so a site validates a pulled snapshot with the same parser as a file
    Column("document", Text, nullable=False),
    # when the row was stored: a draft's save, a revision's publication
    Column("published_at", UTCDateTime, nullable=False, server_default=func.now()),
    # added by version 4 (see _catalogue_revisions and init_central)
    Column("author", String(60)),
    # the sites a revision is meant for (a JSON list of site ids); NULL: every site
    Column("sites", JSONB),
    Column("note", Text),
    # a revision saved at the centre's web and not yet published: no site pulls it
    Column("draft", Boolean, nullable=False, server_default=text("false")),
)

sync_log = Table(
    "sync_log",
    central,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("site_id", String(40), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("pushed", JSONB, nullable=False),
    Column("received_at", UTCDateTime, nullable=False, server_default=func.now()),
    # rows the run left on the site (the centre would refuse them) and tables waiting
    Column("held", JSONB),
    # the site's clock minus the centre's as the centre saw it, in seconds
    Column("clock_skew_s", Float),
    # added by version 6: the handover version (site_settings.version) the run pulled before
    # its push; None: a site's program older than that
    Column("settings_version", Integer),
    Index("ix_sync_log_site_settings_version", "site_id", "settings_version"),
)


site_settings = Table(
    "site_settings",
    central,
    Column("site_id", String(40), primary_key=True),
    # who handles the site's messages: one handler per case (kiosk.vocabulary.HandledAt)
    Column("handled_at", String(8), nullable=False, server_default=HandledAt.SITE.value),
    # minutes between the site's syncs in the day (None: the nightly run only)
    Column("sync_every_min", Integer),
    Column("updated_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("updated_by", String(60)),
    # added by version 6 (`_handover`): rises with each change of `handled_at`; a site has
    # learned a handover once it logged a sync that pulled this version (sync.handling)
    Column("version", Integer, nullable=False, server_default=text("0")),
    # the centre took the cases without waiting for the site to learn it (a forced takeover,
    # sync.handling.set_handled_at)
    Column("forced", Boolean, nullable=False, server_default=text("false")),
)

# what a site's kiosk says of itself at each sync (appended; the newest per site is read)
site_status = Table(
    "site_status",
    central,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("site_id", String(40), nullable=False, index=True),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("status", JSONB, nullable=False),
    Column("received_at", UTCDateTime, nullable=False, server_default=func.now()),
)


# who at the centre saw what, appended for every signed-in page view and API read (issue #16):
# the web's login may add and read rows, never change or remove one
centre_views = Table(
    "centre_views",
    central,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("viewed_at", UTCDateTime, nullable=False, index=True),
    Column("username", String(60), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(500), nullable=False),
    # the site and the record the page showed, when it showed one
    Column("site_id", String(40)),
    Column("record", String(80)),
    Column("status", Integer, nullable=False),
    Index("ix_centre_views_username_viewed_at", "username", "viewed_at"),
)


# when a site's category takes appointments: set by the secretary at the centre's web
# (kiosk.appointments.SlotRule); the citizens' pages read it, sites never need it
appointment_rules = Table(
    "appointment_rules",
    central,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(40), ForeignKey("sites.site_id"), nullable=False),
    Column("category_code", String(1), nullable=False),
    # ISO weekdays, 1 = Monday: a JSON list
    Column("weekdays", JSONB, nullable=False),
    Column("starts", Time, nullable=False),
    Column("ends", Time, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("walk_in_share", Integer, nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("updated_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("updated_by", String(60)),
    Index("ix_appointment_rules_site_category", "site_id", "category_code"),
)

# a citizen's booking (kiosk.vocabulary.BookingStatus); the site pulls its own before their
# day (kiosk.models.Appointment) and pushes what it saw as appointment_events records
bookings = Table(
    "bookings",
    central,
    Column("booking_id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    # typed at the kiosk (kiosk.appointments.new_code): unique among every booking kept
    Column("code", String(12), nullable=False, unique=True),
    # SHA-256 of the token in the citizen's link to cancel or move it: never the token
    Column("manage_hash", String(64), nullable=False, unique=True),
    Column("site_id", String(40), ForeignKey("sites.site_id"), nullable=False),
    Column("category_code", String(1), nullable=False),
    Column("service_id", String(40)),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("language", String(2), nullable=False, server_default="bg"),
    # personal data, with a complainant's protection: the public role may write, never read
    Column("name", String(200)),
    Column("contact", String(200)),
    Column("contact_kind", String(8)),  # kiosk.vocabulary.ContactKind
    Column("consent_at", UTCDateTime),
    # for the limits per contact and per address and day: hashes, readable without the data
    Column("contact_hash", String(64)),
    Column("address_hash", String(64)),
    Column("created_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("updated_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("confirmed_at", UTCDateTime),  # the confirmation e-mail sent
    Column("reminded_at", UTCDateTime),  # the reminder sent
    Column("erased_at", UTCDateTime),  # name and contact erased after retention
    Index("ix_bookings_site_starts", "site_id", "starts_at"),
)


def _local_copy(model: type) -> Table:
    """A site table the centre's web keeps for itself (accounts, sessions, sign-in limits), so
    kiosk/staff.py and its neighbours serve it unchanged; no counters live at the centre."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = []
    for c in table.columns:
        keys = [
            ForeignKey(fk.target_fullname, ondelete=fk.ondelete)
            for fk in c.foreign_keys
            if not fk.target_fullname.startswith("counters.")
        ]
        columns.append(
            Column(
                c.name,
                c.type,
                *keys,
                primary_key=c.primary_key,
                nullable=c.nullable,
                index=c.index,
                unique=c.unique,
            )
        )
    return Table(table.name, central, *columns)


CENTRE_STAFF_TABLES: tuple[Table, ...] = tuple(
    _local_copy(m) for m in (StaffUser, StaffSession, SignInAttempts)
)

# a record's identity at the centre: a UUID is unique only within the site that made it
RECORD_KEY = ("site_id", "uuid")


def _record_table(model: type) -> Table:
    site_table = model.__table__  # type: ignore[attr-defined]
    columns = [
        Column(
            c.name,
            c.type,
            primary_key=c.name in RECORD_KEY,
            nullable=c.name not in RECORD_KEY and c.nullable,
            # a site still on an older version sends no value for a column added since
            server_default=c.server_default.arg if c.server_default is not None else None,
        )
        for c in site_table.columns
    ]
    columns.append(Column("received_at", UTCDateTime, nullable=False, server_default=func.now()))
    return Table(site_table.name, central, *columns)


# parents before children: the order of RECORD_TABLES, which push follows
RECORDS: tuple[Table, ...] = tuple(_record_table(m) for m in RECORD_TABLES)

# what a site may send: everything but the server's own columns
SENT_COLUMNS: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.columns if c.name != "received_at") for t in RECORDS
}


# The citizens' live ticket at the centre (issue #17), fed by each site's `kiosk public feed`.
# Only what the lobby board shows, keyed by the SHA-256 of the ticket's link: never the link,
# a ticket's id or anything typed at the kiosk.
public_feeds = Table(
    "public_feeds",
    central,
    Column("site_id", String(40), primary_key=True),
    Column("name_bg", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, server_default=""),
    # the site's time of its state, and the centre's when it arrived (the stale notice)
    Column("as_of", UTCDateTime, nullable=False),
    Column("reported_at", UTCDateTime, nullable=False, server_default=func.now()),
    # rises with every report: the listeners read the sum once per tick to see a change
    Column("reports", BigInteger, nullable=False, server_default=text("0")),
)

public_tickets = Table(
    "public_tickets",
    central,
    Column("site_id", String(40), primary_key=True),
    Column("token_hash", String(64), primary_key=True),
    Column("label", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("people_ahead", Integer),
    Column("wait_minutes", Integer),
    Column("wait_low", Integer),
    Column("wait_high", Integer),
    Column("counter_number", Integer),
    Column("closed_counter", Integer),  # added by version 7
    # no time of its own: a row the site sends again only when it changed is as of the
    # site's newest report (public_feeds.as_of)
    Index("ix_public_tickets_token_hash", "token_hash"),
)

# "I'm leaving" pressed at the centre, until the site's feeder applies it (done_at, outcome)
public_leave_requests = Table(
    "public_leave_requests",
    central,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("site_id", String(40), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("done_at", UTCDateTime),
    Column("outcome", String(16)),
    Index("ix_public_leave_requests_site_done", "site_id", "done_at"),
    # the public login may not read the key back (RETURNING): it reads three columns only
    implicit_returning=False,
)
PUBLIC_TABLES = (public_feeds, public_tickets, public_leave_requests)


class CentralSchemaError(KioskError):
    """The central database is not at the schema this code knows."""

    code = "central_schema_mismatch"
    status = 409


def site_role(site_id: str) -> str:
    return SITE_ROLE_PREFIX + site_id


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "central_schema"):
        return 0
    return conn.execute(text("SELECT coalesce(max(version), 0) FROM central_schema")).scalar_one()


def _ident(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def init_central(conn: Connection) -> tuple[int, int]:
    """Create or migrate the central schema in the caller's transaction; returns (from, to).

    Idempotent: tables are created if missing, policies and grants re-stated.
    """
    # two admins running init at once must not interleave their DDL
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('kiosk central init'))"))
    before = current_version(conn)
    if before > SCHEMA_VERSION:
        raise CentralSchemaError(
            f"the central database is at schema version {before}, newer than this program "
            f"({SCHEMA_VERSION}): install the newer kiosk version"
        )
    central.create_all(conn, checkfirst=True)
    _key_records_by_site(conn)
    _add_new_columns(conn)
    # before the grants below, which name sync_log's columns
    _handover(conn, before)
    for table in RECORDS:
        # each push's range check reads one site's rows after a key: without this it would
        # read every site's whole history, every night
        name = _ident(conn, table.name)
        index = _ident(conn, f"ix_{table.name}_site_seq")
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {index} ON {name} (site_id, seq)"))
    for column in (
        "held JSONB",
        "clock_skew_s double precision",
    ):  # columns added to sync_log by version 3
        conn.execute(text(f"ALTER TABLE sync_log ADD COLUMN IF NOT EXISTS {column}"))
    group = _ident(conn, GROUP_ROLE)
    conn.execute(
        text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP_ROLE}') "
            f"THEN CREATE ROLE {group} NOLOGIN; END IF; END $$"
        )
    )
    database = _ident(conn, conn.execute(text("SELECT current_database()")).scalar_one())
    # only site roles may connect, and none may create temporary or other objects
    conn.execute(text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {group}"))
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {group}"))
    conn.execute(text(f"GRANT SELECT ON catalog_revisions TO {group}"))
    # before row security is forced again below: the catch-up reads both tables as their owner
    _erase_on_event(conn)
    for table in (*RECORDS, sync_log):
        name = _ident(conn, table.name)
        sent = ", ".join(
            _ident(conn, c.name) for c in table.columns if c.name not in ("received_at", "id")
        )
        conn.execute(text(f"REVOKE ALL ON {name} FROM {group}"))
        conn.execute(text(f"GRANT INSERT ({sent}) ON {name} TO {group}"))
        conn.execute(text(f"GRANT SELECT ON {name} TO {group}"))
        _own_site_policy(conn, table)
    for column in ("author varchar(60)", "sites jsonb", "note text"):  # added by version 4
        conn.execute(text(f"ALTER TABLE catalog_revisions ADD COLUMN IF NOT EXISTS {column}"))
    _site_status_tables(conn)
    _status_indexes(conn)
    _status_history(conn)
    _centre_role(conn)
    _centre_registers(conn)
    _centre_views(conn)
    _one_handler(conn)
    _catalogue_revisions(conn)
    _site_names(conn)
    _public_role(conn)
    _appointments(conn)
    _public_tables(conn)
    conn.execute(text("DELETE FROM central_schema"))
    conn.execute(text("INSERT INTO central_schema (version) VALUES (:v)"), {"v": SCHEMA_VERSION})
    return before, SCHEMA_VERSION


def _public_role(conn: Connection) -> None:
    """The group role of the citizens' pages served from the centre: granted only what those
    pages show and write, table by table (`_appointments`), nothing of the staff's."""
    public = _group_role(conn, PUBLIC_ROLE)
    conn.execute(text(f"GRANT SELECT ON central_schema TO {public}"))


def _group_role(conn: Connection, role: str) -> str:
    """Create a group role for logins made later (NOINHERIT: a login holds only what the group
    is granted) that may connect and see the schema; returns its quoted name."""
    quoted = _ident(conn, role)
    conn.execute(
        text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {quoted} NOLOGIN NOINHERIT; END IF; END $$"
        )
    )
    database = _ident(conn, conn.execute(text("SELECT current_database()")).scalar_one())
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {quoted}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    return quoted


#: what of a booking the citizens' pages may read back: never the name or the contact
BOOKING_PUBLIC_COLUMNS = (
    "booking_id",
    "code",
    "manage_hash",
    "site_id",
    "category_code",
    "service_id",
    "starts_at",
    "slot_minutes",
    "status",
    "language",
    "contact_hash",
    "address_hash",
    "created_at",
    "updated_at",
)


def _appointments(conn: Connection) -> None:
    """The secretary (the centre's web) sets the rules and sees every booking; the citizens'
    pages read the rules and make, move and cancel bookings without reading anyone's
    personal data back; a site reads only its own bookings."""
    centre, public, group = (_ident(conn, r) for r in (CENTRE_ROLE, PUBLIC_ROLE, GROUP_ROLE))
    rules, booked = _ident(conn, appointment_rules.name), _ident(conn, bookings.name)
    for name in (rules, booked):
        conn.execute(text(f"REVOKE ALL ON {name} FROM PUBLIC"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {rules} TO {centre}"))
    conn.execute(text(f"GRANT USAGE ON SEQUENCE appointment_rules_id_seq TO {centre}"))
    conn.execute(text(f"GRANT SELECT, UPDATE ON {booked} TO {centre}"))
    conn.execute(text(f"GRANT SELECT ON {rules} TO {public}"))
    readable = ", ".join(_ident(conn, c) for c in BOOKING_PUBLIC_COLUMNS)
    written = ", ".join(
        _ident(conn, c.name)
        for c in bookings.columns
        # created_at too: the limits per address and day count by the listener's clock
        if c.name not in ("booking_id", "erased_at", "confirmed_at", "reminded_at")
    )
    conn.execute(text(f"GRANT SELECT ({readable}) ON {booked} TO {public}"))
    conn.execute(text(f"GRANT INSERT ({written}) ON {booked} TO {public}"))
    conn.execute(
        text(
            f"GRANT UPDATE (starts_at, slot_minutes, status, updated_at, confirmed_at, reminded_at) "
            f"ON {booked} TO {public}"
        )
    )
    conn.execute(text(f"GRANT SELECT ON {booked} TO {group}"))
    _own_site_policy(conn, bookings, commands="SELECT")
    # the booking pages name the sites and show the published catalogue's documents
    conn.execute(text(f"GRANT SELECT (site_id, name, name_en) ON sites TO {public}"))
    conn.execute(
        text(f"GRANT SELECT (revision, document, sites, draft) ON catalog_revisions TO {public}")
    )
    for role, policy in ((centre, "centre_all"), (public, "public_all")):
        conn.execute(text(f"DROP POLICY IF EXISTS {policy} ON {booked}"))
        conn.execute(
            text(
                f"CREATE POLICY {policy} ON {booked} FOR ALL TO {role} USING (true) "
                "WITH CHECK (true)"
            )
        )


def _own_site_policy(conn: Connection, table: Table, *, commands: str = "ALL") -> None:
    """Bind the sites' group to the rows of their own site: the site is the login role's name,
    never a value the client sends; as a sub-select it is worked out once per statement."""
    name = _ident(conn, table.name)
    conn.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))
    conn.execute(text(f"DROP POLICY IF EXISTS own_site ON {name}"))
    own = (
        f"site_id = (SELECT CASE WHEN starts_with(current_user, '{SITE_ROLE_PREFIX}') "
        f"THEN substr(current_user, {len(SITE_ROLE_PREFIX) + 1}) END)"
    )
    check = "" if commands == "SELECT" else f" WITH CHECK ({own})"
    conn.execute(
        text(
            f"CREATE POLICY own_site ON {name} FOR {commands} TO {_ident(conn, GROUP_ROLE)} "
            f"USING ({own}){check}"
        )
    )


def _site_status_tables(conn: Connection) -> None:
    """A site reads its own settings and appends its own status, nothing of another site's."""
    group = _ident(conn, GROUP_ROLE)
    conn.execute(text(f"REVOKE ALL ON site_settings, site_status FROM {group}"))
    conn.execute(text(f"GRANT SELECT ON site_settings TO {group}"))
    conn.execute(text(f"GRANT SELECT ON site_status TO {group}"))
    conn.execute(text(f"GRANT INSERT (site_id, reported_at, status) ON site_status TO {group}"))
    _own_site_policy(conn, site_settings, commands="SELECT")
    _own_site_policy(conn, site_status)


def _status_indexes(conn: Connection) -> None:
    """The sites page reads each site's newest status and sync: one index row each, however
    long the tables grow with a site syncing every few minutes."""
    conn.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_site_status_site_reported "
            "ON site_status (site_id, reported_at DESC)"
        )
    )
    conn.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_sync_log_site_finished "
            "ON sync_log (site_id, finished_at DESC)"
        )
    )


#: how many of a site's status reports the centre keeps: the sites page reads the newest, the
#: rest is a week of a site syncing every five minutes in the day, for whoever looks back
STATUS_HISTORY = 1000


def _status_history(conn: Connection) -> None:
    """Keep each site's newest STATUS_HISTORY reports: a site syncing every few minutes would
    otherwise grow site_status by a row each time, for good. The pruning runs at each report's
    arrival, in a trigger with the owner's rights (sites may only INSERT), and reaches only
    the reporting site's rows, which row security has already tied to its login."""
    owner = _owner(conn, site_status.name)
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION public.prune_site_status() RETURNS trigger "
            "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ "
            "BEGIN DELETE FROM public.site_status WHERE site_id = NEW.site_id AND reported_at < "
            "(SELECT k.reported_at FROM public.site_status k WHERE k.site_id = NEW.site_id "
            f"ORDER BY k.reported_at DESC OFFSET {STATUS_HISTORY - 1} LIMIT 1); "
            "RETURN NULL; END $$"
        )
    )
    conn.execute(text(f"ALTER FUNCTION public.prune_site_status() OWNER TO {owner}"))
    conn.execute(text("REVOKE ALL ON FUNCTION public.prune_site_status() FROM PUBLIC"))
    conn.execute(
        text(
            "CREATE OR REPLACE TRIGGER prune_site_status AFTER INSERT ON site_status "
            "FOR EACH ROW EXECUTE FUNCTION public.prune_site_status()"
        )
    )
    _owner_policies(conn, site_status.name, owner)
    # reports that piled up before version 6
    for site in conn.execute(text("SELECT DISTINCT site_id FROM site_status")).scalars():
        conn.execute(
            text(
                "DELETE FROM site_status WHERE site_id = :site AND reported_at < "
                "(SELECT k.reported_at FROM site_status k WHERE k.site_id = :site "
                "ORDER BY k.reported_at DESC OFFSET :keep LIMIT 1)"
            ),
            {"site": site, "keep": STATUS_HISTORY - 1},
        )


def _handover(conn: Connection, before: int) -> None:
    """Version 6: the handover's version, and which version each logged sync pulled.

    A site learns a handover from the run that pulls it; a run logs itself after its push.
    Told apart by time alone (the log received after the handover), a handover committing
    between a run's pull and its log counted as learned, and the site's next step, taken
    rightly, was refused on every push from then on. The version the run pulled says it.
    """
    for column in (
        "version integer NOT NULL DEFAULT 0",
        "forced boolean NOT NULL DEFAULT false",
    ):
        conn.execute(text(f"ALTER TABLE site_settings ADD COLUMN IF NOT EXISTS {column}"))
    conn.execute(text("ALTER TABLE sync_log ADD COLUMN IF NOT EXISTS settings_version integer"))
    conn.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_sync_log_site_settings_version "
            "ON sync_log (site_id, settings_version)"
        )
    )
    conn.execute(text("ALTER TABLE sites ADD COLUMN IF NOT EXISTS register_prefix varchar(40)"))
    conn.execute(
        text(
            "CREATE UNIQUE INDEX IF NOT EXISTS sites_register_prefix_key ON sites (register_prefix)"
        )
    )
    if 0 < before < 6:
        # a centre handling a site's cases had one handover; the runs logged since it by the
        # old rule's reading (received after the setting changed) count as having pulled it
        conn.execute(
            text(
                "UPDATE site_settings SET version = 1 "
                f"WHERE handled_at = '{HandledAt.CENTRE.value}' AND version = 0"
            )
        )
        conn.execute(
            text(
                "UPDATE sync_log l SET settings_version = CASE WHEN l.received_at >= "
                "ss.updated_at THEN ss.version ELSE 0 END FROM site_settings ss "
                "WHERE ss.site_id = l.site_id AND l.settings_version IS NULL"
            )
        )


def _owner(conn: Connection, table: str) -> str:
    """The quoted name of the table's owner, whose rights a trigger function runs with."""
    owner = conn.execute(
        text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = :t"),
        {"t": table},
    ).scalar_one()
    return _ident(conn, owner)


def _owner_policies(conn: Connection, table: str, owner: str) -> None:
    """Forced row security binds the owner too, and an owner who is neither superuser nor
    BYPASSRLS would see no row for its trigger to delete; it could lift row security anyway,
    so this widens nothing for the sites."""
    for command in ("SELECT", "DELETE"):
        policy = f"owner_{command.lower()}"
        conn.execute(text(f"DROP POLICY IF EXISTS {policy} ON {table}"))
        conn.execute(
            text(f"CREATE POLICY {policy} ON {table} FOR {command} TO {owner} USING (true)")
        )


def _centre_role(conn: Connection) -> None:
    """The group role of the centre's staff web: it reads every site's records, keeps its own
    accounts and sessions, sets who handles each site; it is neither a superuser nor a site,
    and its logins (`kiosk central add-web-login`) inherit exactly this."""
    centre = _group_role(conn, CENTRE_ROLE)
    # central_schema too: `kiosk central serve` checks the version as the web's login
    read = (
        *RECORDS,
        sync_log,
        sites,
        catalog_revisions,
        site_settings,
        site_status,
        schema_version,
    )
    for table in read:
        name = _ident(conn, table.name)
        conn.execute(text(f"REVOKE ALL ON {name} FROM {centre}"))
        conn.execute(text(f"GRANT SELECT ON {name} TO {centre}"))
    for table in (*RECORDS, sync_log, site_settings, site_status):
        name = _ident(conn, table.name)
        conn.execute(text(f"DROP POLICY IF EXISTS centre_reads ON {name}"))
        conn.execute(
            text(f"CREATE POLICY centre_reads ON {name} FOR SELECT TO {centre} USING (true)")
        )
    conn.execute(text(f"GRANT INSERT, UPDATE ON site_settings TO {centre}"))
    for command in ("INSERT", "UPDATE"):
        policy = f"centre_{command.lower()}s"
        conn.execute(text(f"DROP POLICY IF EXISTS {policy} ON site_settings"))
        using = "" if command == "INSERT" else " USING (true)"
        conn.execute(
            text(
                f"CREATE POLICY {policy} ON site_settings FOR {command} TO {centre}{using} "
                "WITH CHECK (true)"
            )
        )
    conn.execute(text(f"GRANT INSERT ON catalog_revisions TO {centre}"))
    for table in CENTRE_STAFF_TABLES:
        name = _ident(conn, table.name)
        conn.execute(text(f"REVOKE ALL ON {name} FROM PUBLIC"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {centre}"))
    conn.execute(text(f"GRANT USAGE ON SEQUENCE staff_users_id_seq TO {centre}"))


def _public_tables(conn: Connection) -> None:
    """A site writes its own live tickets and reads and answers its own leave requests; the
    public listener's role reads the live tickets and may ask to cancel only a ticket that
    is waiting there: it reads no other table, and a leave request it makes holds no more
    than the ticket's hash."""
    group, public = _ident(conn, GROUP_ROLE), _ident(conn, PUBLIC_ROLE)
    conn.execute(text("ALTER TABLE public_tickets ADD COLUMN IF NOT EXISTS closed_counter integer"))
    names = ", ".join(_ident(conn, t.name) for t in PUBLIC_TABLES)
    conn.execute(text(f"REVOKE ALL ON {names} FROM PUBLIC, {group}, {public}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public_tickets TO {group}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON public_feeds TO {group}"))
    conn.execute(
        text(f"GRANT SELECT, UPDATE (done_at, outcome), DELETE ON public_leave_requests TO {group}")
    )
    for table in PUBLIC_TABLES:
        _own_site_policy(conn, table)
    # the listener checks the schema's version as its own login at start
    conn.execute(text(f"GRANT SELECT ON public_tickets, public_feeds, central_schema TO {public}"))
    conn.execute(
        text(
            f"GRANT SELECT (site_id, token_hash, done_at), INSERT (site_id, token_hash) "
            f"ON public_leave_requests TO {public}"
        )
    )
    for name in ("public_tickets", "public_feeds", "public_leave_requests"):
        conn.execute(text(f"DROP POLICY IF EXISTS public_reads ON {name}"))
        conn.execute(
            text(f"CREATE POLICY public_reads ON {name} FOR SELECT TO {public} USING (true)")
        )
    conn.execute(text("DROP POLICY IF EXISTS public_asks ON public_leave_requests"))
    conn.execute(
        text(
            f"CREATE POLICY public_asks ON public_leave_requests FOR INSERT TO {public} "
            "WITH CHECK (EXISTS (SELECT 1 FROM public_tickets t "
            "WHERE t.site_id = public_leave_requests.site_id "
            "AND t.token_hash = public_leave_requests.token_hash AND t.status = 'waiting'))"
        )
    )


def _add_new_columns(conn: Connection) -> None:
    """Give record tables made by an older version the columns the site's models have gained
    since (each has a default or is nullable, so the rows already stored stay valid)."""
    for table in RECORDS:
        for column in table.columns:
            if column.primary_key:
                continue
            spec = column.type.compile(dialect=conn.dialect)
            if column.server_default is not None:
                default = column.server_default.arg
                spec += " DEFAULT " + (
                    "'" + default.replace("'", "''") + "'"
                    if isinstance(default, str)
                    else str(default.compile(dialect=conn.dialect))
                )
            if not column.nullable:
                spec += " NOT NULL"
            conn.execute(
                text(
                    f"ALTER TABLE {_ident(conn, table.name)} "
                    f"ADD COLUMN IF NOT EXISTS {_ident(conn, column.name)} {spec}"
                )
            )


def _centre_registers(conn: Connection) -> None:
    """Let the centre's web register a message (issue #16.3) only for a site whose cases the
    centre handles, and only under a negative key: a site's push compares its own positive
    key ranges with the centre's rows of the site, which a centre-made row must never join."""
    centre = _ident(conn, CENTRE_ROLE)
    sequence = _ident(conn, CENTRE_SEQUENCE)
    conn.execute(
        text(
            f"CREATE SEQUENCE IF NOT EXISTS {sequence} "
            "AS integer INCREMENT BY -1 MAXVALUE -1 START WITH -1"
        )
    )
    conn.execute(text(f"GRANT USAGE ON SEQUENCE {sequence} TO {centre}"))
    handled = (
        "seq < 0 AND site_id IN (SELECT s.site_id FROM site_settings s "
        f"WHERE s.handled_at = '{HandledAt.CENTRE.value}')"
    )
    for name in CENTRE_REGISTERS:
        table = _ident(conn, name)
        columns = ", ".join(_ident(conn, c) for c in SENT_COLUMNS[name])
        conn.execute(text(f"GRANT INSERT ({columns}) ON {table} TO {centre}"))
        conn.execute(text(f"DROP POLICY IF EXISTS centre_registers ON {table}"))
        conn.execute(
            text(
                f"CREATE POLICY centre_registers ON {table} FOR INSERT TO {centre} "
                f"WITH CHECK ({handled})"
            )
        )


def _centre_views(conn: Connection) -> None:
    """The centre's log of views: its web appends and reads it, no one else is granted it, and
    no grant lets the web rewrite or delete what it logged (UPDATE, DELETE, TRUNCATE)."""
    name = _ident(conn, centre_views.name)
    conn.execute(text(f"REVOKE ALL ON {name} FROM PUBLIC"))
    for role in (GROUP_ROLE, CENTRE_ROLE):
        conn.execute(text(f"REVOKE ALL ON {name} FROM {_ident(conn, role)}"))
    columns = ", ".join(_ident(conn, c.name) for c in centre_views.columns if c.name != "id")
    centre = _ident(conn, CENTRE_ROLE)
    conn.execute(text(f"GRANT SELECT, INSERT ({columns}) ON {name} TO {centre}"))


#: the keys of the events the centre's register makes: negative, so they never fall in a
#: site's own (positive) key range, which a push checks row by row
CENTRE_EVENT_SEQ = "centre_event_seq"


def _one_handler(conn: Connection) -> None:
    """One handler per case, held by the database itself, not only by the two webs.

    The centre's web may add events (origin 'centre', its own negative keys) to a message of
    any site; a status step only where `site_settings` says the centre handles the site, a
    view of personal data anywhere it reads (every view is recorded). A site may add only
    its own events (origin 'site', positive keys), and no status step made once it knew the
    centre took its cases over; its views and erasures of personal data still pass.
    """
    from kiosk.register import STATUS_EVENTS

    centre, group = _ident(conn, CENTRE_ROLE), _ident(conn, GROUP_ROLE)
    steps = ", ".join(f"'{k.value}'" for k in STATUS_EVENTS)
    conn.execute(
        text(
            f"CREATE SEQUENCE IF NOT EXISTS {CENTRE_EVENT_SEQ} "
            "INCREMENT BY -1 MAXVALUE -1 START WITH -1"
        )
    )
    conn.execute(text(f"GRANT USAGE ON SEQUENCE {CENTRE_EVENT_SEQ} TO {centre}"))
    sent = ", ".join(
        c.name for c in central.tables["message_events"].columns if c.name != "received_at"
    )
    conn.execute(text(f"GRANT INSERT ({sent}) ON message_events TO {centre}"))
    centre_handles = (
        "EXISTS (SELECT 1 FROM site_settings ss WHERE ss.site_id = message_events.site_id "
        f"AND ss.handled_at = '{HandledAt.CENTRE.value}'"
    )
    # a run that pulled the handover's version logs itself after its push, so every step the
    # site took before it knew is at the centre by then (HandoverPending until it is, unless
    # the secretary forced the takeover; version 0: a setting no handover made, as
    # sync.handling.pending reads it)
    known = (
        "EXISTS (SELECT 1 FROM sync_log l WHERE l.site_id = ss.site_id "
        "AND l.settings_version >= ss.version"
    )
    conn.execute(text("DROP POLICY IF EXISTS centre_steps ON message_events"))
    conn.execute(
        text(
            f"CREATE POLICY centre_steps ON message_events FOR INSERT TO {centre} WITH CHECK ("
            "origin = 'centre' AND seq < 0 AND EXISTS (SELECT 1 FROM messages m "
            "WHERE m.site_id = message_events.site_id AND m.uuid = message_events.message_uuid) "
            f"AND (kind NOT IN ({steps}) OR {centre_handles} AND (ss.forced OR ss.version = 0 "
            f"OR {known})))))"
        )
    )
    # restrictive: it narrows the sites' own-site policy, which it does not replace. A site
    # learns of a handover from the run that pulls its version, and that run logs itself
    # after its pull: a step dated after such a run ended is one its register refused; a
    # step it took before it knew still goes, or its push would stop there for good. Both
    # clocks are the site's.
    learned = f"{centre_handles} AND {known} AND l.finished_at < message_events.created_at))"
    conn.execute(text("DROP POLICY IF EXISTS site_handles ON message_events"))
    conn.execute(
        text(
            f"CREATE POLICY site_handles ON message_events AS RESTRICTIVE FOR INSERT TO {group} "
            f"WITH CHECK (origin = 'site' AND seq > 0 AND (kind NOT IN ({steps}) OR NOT "
            f"{learned}))"
        )
    )


#: the function that numbers a catalogue revision under the table's lock (`_catalogue_revisions`)
NEXT_REVISION = "catalog_next_revision"


def _catalogue_revisions(conn: Connection) -> None:
    """Drafts beside published revisions, and the one way to number either.

    Every save at the centre's web is a draft (`draft`, never pulled by a site); a revision is
    numbered one above every other under an EXCLUSIVE lock, so two publishers never take one
    number. That lock needs UPDATE, DELETE or TRUNCATE on the table, which would let the web
    rewrite published history; instead the lock is taken in a function that runs with the
    owner's rights and does nothing else, and the web's role may only call it and INSERT.
    """
    conn.execute(
        text(
            "ALTER TABLE catalog_revisions ADD COLUMN IF NOT EXISTS draft boolean "
            "NOT NULL DEFAULT false"
        )
    )
    # search_path pinned and the table qualified: the function runs with its owner's rights
    conn.execute(
        text(
            f"CREATE OR REPLACE FUNCTION public.{NEXT_REVISION}(floor integer) RETURNS integer "
            "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ "
            "BEGIN LOCK TABLE public.catalog_revisions IN EXCLUSIVE MODE; "
            "RETURN greatest(floor, (SELECT coalesce(max(revision), 0) "
            "FROM public.catalog_revisions)) + 1; END $$"
        )
    )
    conn.execute(text(f"REVOKE ALL ON FUNCTION public.{NEXT_REVISION}(integer) FROM PUBLIC"))
    centre = _ident(conn, CENTRE_ROLE)
    conn.execute(text(f"GRANT EXECUTE ON FUNCTION public.{NEXT_REVISION}(integer) TO {centre}"))


def _site_names(conn: Connection) -> None:
    """The centre's pages name a site as the municipality does, not by its id; the columns
    are the secretary's (`kiosk central name-site`), the web only reads them."""
    for column in ("name", "name_en"):
        conn.execute(text(f"ALTER TABLE sites ADD COLUMN IF NOT EXISTS {column} varchar(120)"))


def _key_records_by_site(conn: Connection) -> None:
    """Re-key record tables made before schema version 3 (keyed by the UUID alone).

    Every stored row keeps its place: (site_id, uuid) is unique wherever uuid was.
    """
    for table in RECORDS:
        key = conn.execute(
            text(
                "SELECT c.conname, array_agg(a.attname::text ORDER BY a.attname) "
                "FROM pg_constraint c JOIN pg_attribute a "
                "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                "WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'p' GROUP BY c.conname"
            ),
            {"t": table.name},
        ).one()
        if tuple(key[1]) != tuple(sorted(RECORD_KEY)):
            name = _ident(conn, table.name)
            conn.execute(
                text(
                    f"ALTER TABLE {name} DROP CONSTRAINT {_ident(conn, key[0])}, "
                    f"ADD PRIMARY KEY ({', '.join(RECORD_KEY)})"
                )
            )


#: what a site's `pii_erased` event deletes at the centre: the contact and the scanned letters
PERSONAL_TABLES = ("message_contacts", "message_attachments")


def _erase_on_event(conn: Connection) -> None:
    """Make the arrival of a site's `pii_erased` event delete that site's contact row and
    scanned letters (PERSONAL_TABLES).

    Sites may only INSERT, so the DELETE runs in a trigger function with its owner's rights;
    it trusts only the event's `site_id`, which the site's row security has already checked
    against its login, so a site naming another site's message erases nothing. Messages and
    their events stay: the anonymised record is kept.
    """
    # here, not at the top: a site's every sync imports this module, and the register's
    # module brings the messages' with it (start-up cost, #13)
    from kiosk.register import PII_ERASED

    owner_q = _owner(conn, "message_contacts")
    for name in PERSONAL_TABLES:
        # the trigger finds them by their message; the central tables copy no unique keys
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {_ident(conn, f'ix_{name}_message_uuid')} "
                f"ON {name} (message_uuid)"
            )
        )
    deletes = " ".join(
        f"DELETE FROM public.{name} "
        "WHERE message_uuid = NEW.message_uuid AND site_id = NEW.site_id;"
        for name in PERSONAL_TABLES
    )
    # search_path pinned and names qualified: the function runs with the owner's rights
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION public.erase_site_contact() RETURNS trigger "
            "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ "
            f"BEGIN {deletes} RETURN NULL; END $$"
        )
    )
    conn.execute(text(f"ALTER FUNCTION public.erase_site_contact() OWNER TO {owner_q}"))
    conn.execute(text("REVOKE ALL ON FUNCTION public.erase_site_contact() FROM PUBLIC"))
    conn.execute(
        text(
            "CREATE OR REPLACE TRIGGER erase_site_contact AFTER INSERT ON message_events "
            f"FOR EACH ROW WHEN (NEW.kind = '{PII_ERASED}') "
            "EXECUTE FUNCTION public.erase_site_contact()"
        )
    )
    for name in PERSONAL_TABLES:
        _owner_policies(conn, name, owner_q)
    # events that arrived before the trigger existed (schema version 1), read as the owner;
    # init_central forces row security again further on in this transaction
    for name in (*PERSONAL_TABLES, "message_events"):
        conn.execute(text(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY"))
    for name in PERSONAL_TABLES:
        conn.execute(
            text(
                f"DELETE FROM {name} c USING message_events e "
                "WHERE e.kind = :kind AND e.message_uuid = c.message_uuid AND e.site_id = c.site_id"
            ),
            {"kind": PII_ERASED},
        )


def require_schema(conn: Connection) -> None:
    version = current_version(conn)
    if version != SCHEMA_VERSION:
        raise CentralSchemaError(
            f"the central database is at schema version {version}, this program needs "
            f"{SCHEMA_VERSION}: run `kiosk central init`"
        )
