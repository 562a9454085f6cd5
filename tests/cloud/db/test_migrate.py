import threading
import uuid
from datetime import UTC, datetime, timedelta

import psycopg2
from psycopg2.extras import execute_values

from cloud.db.migrate import load_migrations, migrate
from cloud.db.rollups_store import rebuild_rollups

CORE_TABLES = {
    "sites",
    "locations",
    "devices",
    "products",
    "batches",
    "events",
    "readings",
    "device_status",
    "dead_letters",
    "schema_migrations",
}


def _tables(url: str) -> set[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in cur.fetchall()}


def _versions(url: str) -> list[int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [row[0] for row in cur.fetchall()]


def test_migrations_are_ordered_and_numbered():
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(versions)
    assert versions[0] == 1


def test_one_migration_per_number():
    """Two files may share a number only as variants of one migration (a database that has
    applied a number skips every other file with it)."""
    names: dict[int, set[str]] = {}
    for migration in load_migrations():
        names.setdefault(migration.version, set()).add(migration.name)
    assert {version: found for version, found in names.items() if len(found) > 1} == {}


def test_migrate_from_empty(empty_database_url):
    report = migrate(empty_database_url)
    assert 1 in report.applied
    assert report.already == []
    assert _tables(empty_database_url) >= CORE_TABLES


def test_migrate_twice_changes_nothing(empty_database_url):
    first = migrate(empty_database_url)
    before = _versions(empty_database_url)
    second = migrate(empty_database_url)
    assert second.applied == []
    assert second.already == sorted(first.applied)
    assert _versions(empty_database_url) == before


def test_migrate_concurrently(empty_database_url):
    reports, errors = [], []

    def run():
        try:
            reports.append(migrate(empty_database_url))
        except Exception as err:  # the test reports any failure below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    applied = [version for report in reports for version in report.applied]
    assert sorted(applied) == sorted(set(applied)), "a migration was applied twice"
    assert sum(1 for report in reports if report.applied) == 1
    assert _tables(empty_database_url) >= CORE_TABLES


def test_plain_postgres_has_the_same_columns_and_unique_keys(database_url):
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('readings', 'events') "
            "AND indexdef LIKE 'CREATE UNIQUE INDEX%%'"
        )
        assert {row[0] for row in cur.fetchall()} == {"readings_id_time", "events_id_time"}


def test_series_points_migration_gives_cells_the_points_the_rollups_write(database_url):
    """0028 computes the points of the cells already there as the derive worker writes them."""
    (migration,) = [m for m in load_migrations() if m.version == 28]
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    times = [t0 + timedelta(minutes=m) for m in range(600)]
    times[299] += timedelta(seconds=30, microseconds=250)  # a last reading with microseconds
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        execute_values(
            cur,
            "INSERT INTO readings (time, id, site_id, device_id, seq, clock, sensor, location, "
            "quantity, value, unit, quality, received_at) VALUES %s",
            [(at, str(uuid.uuid4()), (i % 13) / 3) for i, at in enumerate(times)],
            template="(%s, %s, 'farm', 'pi', 0, 'synced', 'p', 'room', 'temperature', %s, "
            "'CEL', 'good', now())",
        )
        rebuild_rollups(cur)
        order = "ORDER BY site_id, location, quantity, width_s, bucket"
        cur.execute(f"SELECT point FROM reading_rollups_coarse {order}")
        written = cur.fetchall()
        # The table as it was before 0028, then 0028 itself (in a session of other settings).
        cur.execute(
            "SET LOCAL extra_float_digits = 0; SET LOCAL DateStyle = 'SQL, DMY'; "
            "ALTER TABLE reading_rollups_coarse DROP CONSTRAINT reading_rollups_coarse_pkey, "
            "DROP COLUMN point, ADD PRIMARY KEY (site_id, location, quantity, width_s, bucket) "
            "INCLUDE (samples, first_time, last_time, min_value, max_value, sum_value, "
            "sum_arrhenius)"
        )
        cur.execute(migration.sql)
        cur.execute(f"SELECT point FROM reading_rollups_coarse {order}")
        migrated = cur.fetchall()
        conn.rollback()
    conn.close()
    assert len(written) > 40 and migrated == written
    assert any("T12:59:30.000250Z" in point for (point,) in written)
