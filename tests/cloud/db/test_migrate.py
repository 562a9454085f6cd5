import threading

import psycopg2

from cloud.db.migrate import load_migrations, migrate

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
