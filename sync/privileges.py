"""What PostgreSQL lets every login do beyond the central tables, taken from the site logins.

`init_central` grants a site its tables; this takes away what a server grants `PUBLIC` by
default and a site never needs: connecting to the maintenance databases and making
temporary tables there, creating large objects, advisory locks (a site holding the one
`central init` waits on would stall every upgrade), and SET ROLE to the group. Most of
it is the server's, not a database owner's, so it needs a superuser; an owner who is not
one is told what stays open. What PostgreSQL cannot take away is in the README (Least
privilege): every login may read `pg_roles` and change its own password.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from sync.schema import GROUP_ROLE, _ident, sites

#: databases every cluster has, where PUBLIC may connect and make temporary tables
MAINTENANCE_DATABASES = ("postgres", "template1")
#: pg_catalog functions a site never calls: large objects made, advisory locks taken
_FUNCTIONS = (
    "SELECT p.oid::regprocedure::text FROM pg_proc p "
    "WHERE p.pronamespace = 'pg_catalog'::regnamespace "
    "AND (p.proname LIKE 'pg\\_%advisory\\_%' "
    "OR p.proname IN ('lo_creat', 'lo_create', 'lo_from_bytea', 'lo_import')) ORDER BY 1"
)


def _is_superuser(conn: Connection) -> bool:
    return bool(
        conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    )


def enrol(conn: Connection, role: str) -> None:
    """Make the site login `role` a member of the group: it inherits the group's grants but
    may not SET ROLE to it (PostgreSQL 16 and later; before, SET ROLE is possible and shows
    no row, the row policy matching only a site's own login). With a superuser, the login's
    DDL is logged: a site that changes its own password (which no grant can forbid) shows
    in the server's log."""
    version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    options = " WITH INHERIT TRUE, SET FALSE" if version >= 160000 else ""
    quoted = _ident(conn, role)
    conn.execute(text(f"GRANT {_ident(conn, GROUP_ROLE)} TO {quoted}{options}"))
    if _is_superuser(conn):
        conn.execute(text(f"ALTER ROLE {quoted} SET log_statement = 'ddl'"))


def restrict_sites(conn: Connection) -> list[str]:
    """Take from the site logins what the server grants every login; returns what it did,
    or what stays open for want of a superuser, one line each. In the caller's transaction."""
    for role in conn.execute(sites.select().with_only_columns(sites.c.role_name)).scalars():
        enrol(conn, role)
    if not _is_superuser(conn):
        return [
            "not a superuser: every login may still connect to the databases "
            f"{', '.join(MAINTENANCE_DATABASES)}, make temporary tables there, create large "
            "objects and take advisory locks (run `kiosk central init` once as a superuser)"
        ]
    group = _ident(conn, GROUP_ROLE)
    conn.execute(text(f"ALTER ROLE {group} NOLOGIN NOINHERIT"))
    done = []
    for name in MAINTENANCE_DATABASES:
        conn.execute(
            text(f"REVOKE CONNECT, TEMPORARY ON DATABASE {_ident(conn, name)} FROM PUBLIC")
        )
    done.append(f"CONNECT and TEMPORARY on {', '.join(MAINTENANCE_DATABASES)} revoked from PUBLIC")
    owner = conn.execute(
        text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = :t"),
        {"t": "central_schema"},
    ).scalar_one()
    functions = conn.execute(text(_FUNCTIONS)).scalars().all()
    for function in functions:
        conn.execute(text(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC"))
    # the tables' owner may run `central init` later without being a superuser
    conn.execute(
        text(
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_advisory_xact_lock(bigint) "
            f"TO {_ident(conn, owner)}"
        )
    )
    done.append(f"EXECUTE on {len(functions)} large-object and advisory-lock functions revoked")
    database = _ident(conn, conn.execute(text("SELECT current_database()")).scalar_one())
    # off is the default; stated so that a server-wide `on` does not open large objects here
    conn.execute(text(f"ALTER DATABASE {database} SET lo_compat_privileges = off"))
    return done
