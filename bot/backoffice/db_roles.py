"""One PostgreSQL role per service, each allowed only the tables (and columns) it uses.

`python -m bot.backoffice.cli db-init` runs once per deployment as the databases' owner,
before any service starts: it brings the firm's schema up to date, then creates each
service's role (or sets its password again) and grants it exactly what is listed here,
taking back anything else. The services connect as their roles and cannot change the
schema; a leaked password of one reads nothing of another's: Rasa sees transcripts and a
confirmation link's state, never a lead; the action servers write leads but cannot read
staff accounts (only whether someone is available for a live handoff); nothing but the
dashboard reads password hashes, and no service can edit or delete the audit trail.

Rasa's own tables (`events`) are made by `python -m components.tracker_store`, which runs
first. The embedded SQLite setup (make run) has no roles: this is for PostgreSQL only.
"""

import os
import re
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

# What each service may do, table by table. "SELECT (a, b)" and "UPDATE (c)" name columns.
SERVICES = ("rasa", "actions", "jobs", "staff")

FIRM_PRIVILEGES: Mapping[str, Mapping[str, str]] = {
    # The reminder-address confirmation page: a link's state and language, never the address itself.
    "rasa": {
        "address_confirmations": "SELECT (id, token_hash, confirmed_at, created_at, language), UPDATE (confirmed_at)",
    },
    # Intake, reminders and their confirmations, questions filed for review, and an applicant's
    # erasure of all of these.
    "actions": {
        "alembic_version": "SELECT",
        "leads": "SELECT, INSERT, DELETE",
        "notifications": "SELECT, INSERT, UPDATE, DELETE",
        "reminders": "SELECT, INSERT, DELETE",
        "address_confirmations": "SELECT, INSERT, UPDATE, DELETE",
        "erasure_requests": "SELECT, INSERT, UPDATE",
        "unanswered_reviews": "SELECT, INSERT, DELETE",
        "knowledge_signoffs": "SELECT",
        # Live handoff (issue 26): whether someone can answer now (never an account's email or
        # password), and the applicant's request; taking, ending and expiring are the staff's.
        "staff_users": "SELECT (id, available, last_seen_at, disabled_at)",
        "handoffs": "SELECT, INSERT, DELETE",
    },
    # send-due (notifications, reminders, confirmations, erasures) and the retention purge.
    "jobs": {
        "alembic_version": "SELECT",
        "leads": "SELECT, DELETE",
        "notifications": "SELECT, UPDATE, DELETE",
        "reminders": "SELECT, UPDATE, DELETE",
        "address_confirmations": "SELECT, UPDATE, DELETE",
        "erasure_requests": "SELECT, UPDATE, DELETE",
        "unanswered_reviews": "SELECT, DELETE",
        "handoffs": "SELECT, DELETE",  # erasure
    },
    # The dashboard and the command line's `leads` and `users`: everything staff see and do.
    "staff": {
        "alembic_version": "SELECT",
        "leads": "SELECT, UPDATE, DELETE",
        "notifications": "SELECT, DELETE",
        "reminders": "SELECT, DELETE",
        "address_confirmations": "SELECT, DELETE",
        "erasure_requests": "SELECT, INSERT, UPDATE",
        "lead_notes": "SELECT, INSERT",
        "staff_users": "SELECT, INSERT, UPDATE",
        "staff_sessions": "SELECT, INSERT, UPDATE, DELETE",
        "staff_devices": "SELECT, INSERT, UPDATE, DELETE",
        "login_attempts": "SELECT, INSERT, UPDATE, DELETE",
        "audit_events": "SELECT, INSERT",
        "unanswered_reviews": "SELECT, INSERT, UPDATE, DELETE",
        "knowledge_signoffs": "SELECT, INSERT",
        "handoffs": "SELECT, UPDATE, DELETE",  # take, speak, end, expire; DELETE for erasure
    },
}

TRACKER_PRIVILEGES: Mapping[str, Mapping[str, str]] = {
    "rasa": {"events": "SELECT, INSERT, DELETE", "conversation_erasures": "SELECT, INSERT, UPDATE"},
    "actions": {"events": "SELECT, DELETE", "conversation_erasures": "SELECT, INSERT, UPDATE"},
    "jobs": {"events": "SELECT, DELETE", "conversation_erasures": "SELECT, INSERT, UPDATE, DELETE"},
    "staff": {"events": "SELECT, DELETE", "conversation_erasures": "SELECT, INSERT, UPDATE"},
}

ROLE_PREFIX = "visa_"
PASSWORD_VARIABLE = "DB_PASSWORD_{}"  # DB_PASSWORD_RASA, DB_PASSWORD_ACTIONS, ...
MIN_PASSWORD_LENGTH = 16
PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleSetupError(ValueError):
    """A setting db-init cannot work with; its message says which and why."""


def role_name(service: str) -> str:
    return ROLE_PREFIX + service


def passwords_from_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each service's password, from DB_PASSWORD_<SERVICE>; all are required."""
    env = os.environ if env is None else env
    passwords, problems = {}, []
    for service in SERVICES:
        variable = PASSWORD_VARIABLE.format(service.upper())
        value = env.get(variable, "")
        if len(value) < MIN_PASSWORD_LENGTH:
            problems.append(f"{variable} must be set to at least {MIN_PASSWORD_LENGTH} characters")
        passwords[service] = value
    if problems:
        raise RoleSetupError("; ".join(problems))
    return passwords


def _quoted(name: str) -> str:
    if not PLAIN_NAME.match(name):
        raise RoleSetupError(f"{name!r} is not a plain lower-case name")
    return f'"{name}"'


def ensure_roles(connection: Connection, passwords: Mapping[str, str]) -> None:
    """Creates each service's login role, or sets its password again (rotation is a re-run)."""
    for service, password in passwords.items():
        role = role_name(service)
        exists = connection.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
        verb = "ALTER" if exists else "CREATE"
        # Utility statements take no bind parameters: the password is quoted by PostgreSQL itself.
        literal = connection.execute(sa.text("SELECT quote_literal(:password)"), {"password": password}).scalar()
        connection.exec_driver_sql(
            f"{verb} ROLE {_quoted(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD {literal}"
        )


def _sequences_of(connection: Connection, schema: str, tables: Iterable[str]) -> dict[str, list[str]]:
    """The sequences that give each table its ids (serial columns, and Rasa's events_seq)."""
    found: dict[str, list[str]] = {}
    for table in tables:
        rows = connection.execute(
            sa.text(
                "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
                "JOIN pg_class t ON d.refobjid = t.oid JOIN pg_namespace n ON t.relnamespace = n.oid "
                "WHERE s.relkind = 'S' AND t.relname = :table AND n.nspname = :schema"
            ),
            {"table": table, "schema": schema},
        ).scalars()
        found[table] = list(rows)
    if "events" in found:  # Rasa's sequence is not owned by its table
        named = connection.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON c.relnamespace = n.oid "
                "WHERE c.relkind = 'S' AND c.relname = 'events_seq' AND n.nspname = :schema"
            ),
            {"schema": schema},
        ).scalars()
        found["events"] += list(named)
    return found


def grant(connection: Connection, schema: str, privileges: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Gives each service's role exactly its privileges in `schema`, taking back all others.
    Returns the tables listed here that the schema does not have (yet)."""
    present = set(
        connection.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalars()
    )
    missing = sorted({table for tables in privileges.values() for table in tables} - present)
    quoted_schema = _quoted(schema)
    # PostgreSQL before 15 lets everyone create tables in "public": no service may.
    connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {quoted_schema} FROM PUBLIC")
    sequences = _sequences_of(connection, schema, present)
    for service, tables in privileges.items():
        role = _quoted(role_name(service))
        connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted_schema} FROM {role}")
        connection.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quoted_schema} FROM {role}")
        connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {role}")
        for table, allowed in tables.items():
            if table not in present:
                continue
            connection.exec_driver_sql(f"GRANT {allowed} ON {quoted_schema}.{_quoted(table)} TO {role}")
            if "INSERT" in allowed:
                for sequence in sequences.get(table, []):
                    connection.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {quoted_schema}.{_quoted(sequence)} TO {role}")
    return missing


def set_up_roles(
    firm: Engine, tracker: Engine, passwords: Mapping[str, str], firm_schema: str, tracker_schema: str
) -> list[str]:
    """Roles and grants on both databases (the same one, or two); returns tables not found."""
    for engine in (firm, tracker):
        if engine.dialect.name != "postgresql":
            raise RoleSetupError("database roles are for PostgreSQL; the embedded SQLite setup has none")
    missing = []
    same = firm.url == tracker.url and firm_schema == tracker_schema
    with firm.begin() as connection:
        ensure_roles(connection, passwords)
        privileges = _merged(FIRM_PRIVILEGES, TRACKER_PRIVILEGES) if same else FIRM_PRIVILEGES
        missing += grant(connection, firm_schema, privileges)
    if not same:
        with tracker.begin() as connection:
            if tracker.url.host != firm.url.host or tracker.url.port != firm.url.port:
                ensure_roles(connection, passwords)  # another server: roles are per server
            missing += grant(connection, tracker_schema, TRACKER_PRIVILEGES)
    return missing


def _merged(*maps: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for privileges in maps:
        for service, tables in privileges.items():
            merged.setdefault(service, {}).update(tables)
    return merged
