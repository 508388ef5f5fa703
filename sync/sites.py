"""Registering a site on the central database: its login role and the config it needs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url

from kiosk.errors import KioskError
from kiosk.text import Text
from sync.privileges import enrol
from sync.schema import (
    CENTRE_ROLE,
    PUBLIC_ROLE,
    SITE_ROLE_PREFIX,
    require_schema,
    site_role,
    sites,
)

SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
#: the longest name the centre keeps for a site (sync/schema.py `sites.name`)
MAX_SITE_NAME = 120
#: the longest register prefix the centre keeps (sync/schema.py `sites.register_prefix`)
MAX_PREFIX = 40


@dataclass(frozen=True)
class SiteLogin:
    site_id: str
    role: str
    password: str
    #: the prefix of its registration numbers, when add-site was given one
    register_prefix: str | None = None


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier, made here so the password never reaches the server
    (nor its statement log) in clear."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _login_role(conn: Connection, role: str) -> str:
    """Create the login `role` (or give it a new password); returns the password."""
    quoted = conn.dialect.identifier_preparer.quote_identifier(role)
    password = secrets.token_urlsafe(24)
    verifier = scram_verifier(password).replace("'", "''")
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    verb = "ALTER" if exists else "CREATE"
    # no bind parameters: a verifier holds colons that text() would read as names
    conn.exec_driver_sql(
        f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT "
        f"PASSWORD '{verifier}'"
    )
    return password


class RegisterPrefixTaken(KioskError):
    """Another site numbers its messages with this prefix: two messages would share a number."""

    code = "register_prefix_taken"
    status = 409


def add_site(conn: Connection, *, site_id: str, register_prefix: str | None = None) -> SiteLogin:
    """Create the site's login role (or give it a new password), in the caller's transaction;
    with `register_prefix`, keep the prefix of its registration numbers, refused if another
    site has it (in any case of letters: ТВ and тв read alike on a letter)."""
    if not SITE_ID.fullmatch(site_id):
        raise ValueError("a site id is 2–40 lowercase Latin letters, digits or dashes")
    require_schema(conn)
    if register_prefix is not None:
        register_prefix = register_prefix.strip()
        # letters and digits: the number's dashes part it from the year, and it goes into TOML
        if not register_prefix.isalnum() or len(register_prefix) > MAX_PREFIX:
            raise ValueError(f"a register prefix is 1–{MAX_PREFIX} letters or digits")
        # two admins adding sites at once take turns, so neither misses the other's prefix
        conn.execute(text("LOCK TABLE sites IN SHARE ROW EXCLUSIVE MODE"))
        other = conn.execute(
            select(sites.c.site_id).where(
                func.lower(sites.c.register_prefix) == register_prefix.lower(),
                sites.c.site_id != site_id,
            )
        ).scalar()
        if other is not None:
            raise RegisterPrefixTaken(
                f"the register prefix {register_prefix!r} is site {other}'s: its messages are "
                "numbered with it; give this site another (e.g. the place's initials)",
                prefix=register_prefix,
                site=other,
            )
    role = site_role(site_id)
    password = _login_role(conn, role)
    enrol(conn, role)
    row = {"site_id": site_id, "role_name": role, "register_prefix": register_prefix}
    statement = pg_insert(sites).values(**row)
    if register_prefix is None:
        conn.execute(statement.on_conflict_do_nothing())
    else:
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["site_id"], set_={"register_prefix": register_prefix}
            )
        )
    return SiteLogin(site_id=site_id, role=role, password=password, register_prefix=register_prefix)


def name_site(conn: Connection, *, site_id: str, name: Text) -> None:
    """Give a registered site the name the centre's pages show (Bulgarian, English beside)."""
    for words in (name.bg, name.en):
        if len(words) > MAX_SITE_NAME or not words.isprintable():
            raise ValueError(f"a site's name is one line of at most {MAX_SITE_NAME} characters")
    if not name.bg.strip():
        raise ValueError("give the site's name in Bulgarian")
    require_schema(conn)
    named = conn.execute(
        update(sites)
        .where(sites.c.site_id == site_id)
        .values(name=name.bg.strip(), name_en=name.en.strip() or None)
    )
    if named.rowcount == 0:
        raise ValueError(f"no site {site_id!r}: add it first (kiosk central add-site)")


CENTRE_LOGIN = "centre_web"


def add_centre_login(conn: Connection, *, role: str = CENTRE_LOGIN) -> str:
    """The login of the centre's staff web (a member of `kiosk_centre`); returns its password."""
    return _member_login(conn, role=role, group=CENTRE_ROLE)


PUBLIC_LOGIN = "centre_public"


def add_public_login(conn: Connection, *, role: str = PUBLIC_LOGIN) -> str:
    """The login of the citizens' listener at the centre (a member of `kiosk_public`: it reads
    the live tickets and asks for cancellations, nothing else); returns its password."""
    return _member_login(conn, role=role, group=PUBLIC_ROLE)


def _member_login(conn: Connection, *, role: str, group: str) -> str:
    """A login that inherits exactly `group`'s rights. A name a site's login could have is
    refused: row security tells sites apart by it."""
    if role.startswith(SITE_ROLE_PREFIX) or not SITE_ID.fullmatch(role.replace("_", "-")):
        raise ValueError(
            "a login's name is 2–40 lowercase Latin letters, digits or underscores, "
            f"not starting with {SITE_ROLE_PREFIX} (the sites' logins)"
        )
    require_schema(conn)
    password = _login_role(conn, role)
    quote = conn.dialect.identifier_preparer.quote_identifier
    conn.execute(text(f"GRANT {quote(group)} TO {quote(role)}"))
    return password


def site_config_block(login: SiteLogin, *, central_url: str, sslmode: str) -> str:
    """The lines the site's kiosk.toml and its secret file need, for the admin to hand over."""
    url = make_url(central_url).set(
        drivername="postgresql+psycopg", username=login.role, password=login.password
    )
    # libpq checks a CA file only in the verify modes (and in "require", quietly, if one exists)
    tls = f'sslmode = "{sslmode}"\n'
    if sslmode.startswith("verify"):
        tls += 'sslrootcert = "/etc/kiosk/central-ca.pem"\n'
    if sslmode != "verify-full":
        tls += (
            f'# sslmode "{sslmode}": the site does not check that it talks to this server; '
            'production uses "verify-full"\n'
        )
    prefix = f'register_prefix = "{login.register_prefix}"\n' if login.register_prefix else ""
    return (
        "# kiosk.toml of the site\n"
        "[site]\n"
        f'id = "{login.site_id}"\n'
        f"{prefix}\n"
        "[sync]\n"
        'central_url = "file:/etc/kiosk/central-url"\n'
        f"{tls}\n"
        "# /etc/kiosk/central-url (mode 0600, owner kiosk): the only copy of this password\n"
        f"{url.render_as_string(hide_password=False)}\n"
    )
