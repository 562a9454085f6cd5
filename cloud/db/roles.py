"""Least privilege: one PostgreSQL role per service, allowed only what its job needs.

Every table is named once below with the writes each service may make to it (declared as
data; a table no declaration names fails `tests/cloud/db/test_roles.py`). Reading: the API
reads everything; the ingester and the forwarder read every table but the secrets (users,
sessions, tokens, device secrets, login failures). `apply_roles` creates the roles when they
are missing and sets their privileges to exactly these (idempotent: run it after each
migration). The migration owner keeps everything.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor

SERVICES = ("ingest", "api", "forward")

SECRETS = frozenset({"users", "sessions", "api_tokens", "device_credentials", "login_failures"})


@dataclass(frozen=True)
class Writes:
    """What each service may write to one table: privileges (I, U, D), or U(col, …) for columns."""

    ingest: str = ""
    api: str = ""
    forward: str = ""


_DERIVED = Writes(ingest="IUD", api="IUD")  # derived by the ingester; operators act on some
_MASTER = Writes(api="IUD")  # master data and what only operators and admins change

TABLES: Mapping[str, Writes] = {
    # what devices send: appended by the ingester; the API adds what it releases or replays
    "events": Writes(ingest="I", api="I"),
    "readings": Writes(ingest="I", api="I"),
    "device_status": Writes(ingest="I", api="I"),
    "dead_letters": Writes(ingest="I", api="IU"),
    "quarantine_events": Writes(ingest="I", api="IUD"),
    "quarantine_readings": Writes(ingest="I", api="IUD"),
    "quarantine_work": Writes(ingest="IU", api="IUD"),
    "quarantine_outbox": Writes(ingest="I", api="IUD"),
    "devices": Writes(ingest="I U(last_seen, last_status, last_status_at)", api="IUD"),
    "sites": Writes(ingest="I", api="IUD"),
    "batches": Writes(ingest="I U(first_seen)", api="IUD"),
    "recipients": Writes(ingest="U(failures, hold_until)", api="IUD"),
    # derived data
    "work_queue": _DERIVED,
    "presence": _DERIVED,
    "batch_steps": _DERIVED,
    "batch_inputs": _DERIVED,
    "commissioned_items": _DERIVED,
    "unit_contents": _DERIVED,
    "unit_parents": _DERIVED,
    "excursions": _DERIVED,
    "alerts": _DERIVED,
    "alert_transitions": _DERIVED,
    "notifications": _DERIVED,
    "deliveries": _DERIVED,
    "notify_messages": _DERIVED,
    "probes": _DERIVED,
    "reading_rollups": _DERIVED,
    "reading_rollups_coarse": _DERIVED,
    "event_chain": Writes(ingest="I"),  # tamper evidence: appended, never rewritten
    # forwarding: the ingester queues, the forwarder delivers and records
    "forward_outbox": Writes(ingest="I", api="IU", forward="U"),
    "forward_submissions": Writes(forward="I"),
    "forward_remote_objects": Writes(forward="IU"),
    "forward_destinations": Writes(api="IUD", forward="IU"),
    # master data, people, labels, public checks, EPCIS capture: operators and the public site
    "locations": _MASTER,
    "products": _MASTER,
    "product_groups": _MASTER,
    "cold_chain_profiles": _MASTER,
    "sensors": _MASTER,
    "certificates": _MASTER,
    "step_photos": _MASTER,
    "notify_policies": _MASTER,
    "webhooks": _MASTER,
    "label_jobs": _MASTER,
    "serial_counters": _MASTER,
    "public_checks": _MASTER,
    "public_check_places": _MASTER,
    "epcis_captures": _MASTER,
    "epcis_events": _MASTER,
    "epcis_event_batches": _MASTER,
    "users": _MASTER,
    "sessions": _MASTER,
    "api_tokens": _MASTER,
    "device_credentials": _MASTER,
    "login_failures": _MASTER,
    "schema_migrations": Writes(),
}

_PRIVILEGES = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}


def role_name(prefix: str, service: str) -> str:
    """The role of `service`: {prefix}_{service}."""
    return f"{prefix}_{service}"


def _grants(spec: str) -> list[sql.Composable]:
    """`I U(a, b) D` as privilege clauses."""
    clauses: list[sql.Composable] = []
    for part in spec.replace(", ", ",").split():
        letter, _, columns = part.partition("(")
        for char in letter:
            name = sql.SQL(_PRIVILEGES[char])
            if columns:
                names = [sql.Identifier(c) for c in columns.rstrip(")").split(",")]
                clauses.append(sql.SQL("{} ({})").format(name, sql.SQL(", ").join(names)))
            else:
                clauses.append(name)
    return clauses


def relations(cur: Cursor) -> list[str]:
    """Tables and views of the public schema (TimescaleDB's chunks live elsewhere)."""
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1"
    )
    return [name for (name,) in cur.fetchall()]


def apply_roles(cur: Cursor, *, prefix: str, passwords: Mapping[str, str]) -> list[str]:
    """Create the services' roles if missing and set their privileges; return the role names."""
    cur.execute("SELECT current_database()")
    row = cur.fetchone()
    assert row is not None
    database = sql.Identifier(row[0])
    names = []
    for service in SERVICES:
        name = role_name(prefix, service)
        role = sql.Identifier(name)
        names.append(name)
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        if service in passwords:
            cur.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD %s").format(role), (passwords[service],)
            )
        database_rights = "CONNECT" if service == "forward" else "CONNECT, TEMPORARY"
        cur.execute(
            sql.SQL("GRANT {} ON DATABASE {} TO {}").format(
                sql.SQL(database_rights), database, role
            )
        )
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        cur.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(role))
        cur.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
        )
        for table in relations(cur):
            _grant_table(cur, service, role, table)
    return names


def _grant_table(cur: Cursor, service: str, role: sql.Identifier, table: str) -> None:
    target = sql.Identifier(table)
    if service == "api" or table not in SECRETS:
        cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(target, role))
    writes = TABLES.get(table)
    spec = getattr(writes, service) if writes is not None else ""
    for clause in _grants(spec):
        cur.execute(sql.SQL("GRANT {} ON {} TO {}").format(clause, target, role))
