"""Ordered schema migrations, applied once, atomically, and safely from concurrent processes."""

import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg2
from psycopg2.extensions import connection as Connection

from cloud.db.errors import DatabaseUnavailable
from plumbing.redact import redact

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every txng process.
_MIGRATION_LOCK_KEY = 0x74786E67  # "txng"
_FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|plain))?\.sql$")


@dataclass(frozen=True)
class Migration:
    """One migration file; `variant` limits it to TimescaleDB or plain PostgreSQL."""

    version: int
    name: str
    variant: str | None
    sql: str


@dataclass(frozen=True)
class MigrationReport:
    """What one `migrate` run did."""

    applied: list[int]
    already: list[int]
    timescale: bool


def load_migrations() -> list[Migration]:
    """All migration files shipped in the package, ordered by version."""
    found = []
    for entry in resources.files("cloud.db").joinpath("migrations").iterdir():
        match = _FILE_PATTERN.match(entry.name)
        if match:
            found.append(
                Migration(int(match[1]), match[2], match[3], entry.read_text(encoding="utf-8"))
            )
    return sorted(found, key=lambda m: (m.version, m.variant or ""))


def _enable_timescale(conn: Connection) -> bool:
    """Create the timescaledb extension when the server has it; say whether it is usable."""
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
        if cur.fetchone() is None:
            return False
        # Without the preloaded loader, CREATE EXTENSION ends the session with FATAL (no
        # savepoint helps). The loader defines this setting; a mere placeholder (a SET or a
        # config line without the preload) is not listed in pg_settings.
        cur.execute("SELECT 1 FROM pg_settings WHERE name = 'timescaledb.max_background_workers'")
        if cur.fetchone() is None:
            log.warning(
                "timescaledb is installed but not in shared_preload_libraries; "
                "using plain PostgreSQL tables"
            )
            return False
        cur.execute("SAVEPOINT timescale")
        try:
            cur.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except psycopg2.Error as err:  # e.g. no privilege to create it
            cur.execute("ROLLBACK TO SAVEPOINT timescale")
            log.warning("timescaledb is installed but cannot be used: %s", err.pgerror)
            return False
        cur.execute("RELEASE SAVEPOINT timescale")
        return True


def migrate(database_url: str) -> MigrationReport:
    """Apply every pending migration in one transaction, under an advisory lock."""
    try:
        conn = psycopg2.connect(database_url)
    except psycopg2.OperationalError as err:
        raise DatabaseUnavailable(f"cannot connect to the database: {redact(str(err))}") from err
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " timescale boolean NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in cur.fetchall()}
            timescale = _enable_timescale(conn)
            wanted = "timescale" if timescale else "plain"
            applied: list[int] = []
            for migration in load_migrations():
                if migration.version in done or migration.variant not in (None, wanted):
                    continue
                log.info("applying migration %04d_%s", migration.version, migration.name)
                cur.execute(migration.sql)
                if migration.version not in applied:
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name, timescale) "
                        "VALUES (%s, %s, %s)",
                        (migration.version, migration.name, timescale),
                    )
                    applied.append(migration.version)
            return MigrationReport(applied=applied, already=sorted(done), timescale=timescale)
    finally:
        conn.close()
