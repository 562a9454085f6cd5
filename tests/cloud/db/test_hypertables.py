"""Storage on TimescaleDB when the server preloads it, plain PostgreSQL otherwise."""

from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from cloud.db.ingest_store import Received, store_readings
from cloud.db.migrate import migrate
from contract import SensorReading
from contract.items import ClockQuality, Quantity, new_item_id


def _preloaded(url: str) -> bool:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_setting('shared_preload_libraries')")
        libraries = (cur.fetchone() or ("",))[0]
    return "timescaledb" in {name.strip().strip('"') for name in libraries.split(",")}


def _reading(time: datetime, seq: int) -> Received:
    item = SensorReading(
        id=new_item_id(),
        device_time=time,
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor="t1",
        location="cold-1",
        quantity=Quantity.TEMPERATURE,
        value=4.5,
        unit="CEL",
    )
    return Received("site-1", "dev-1", datetime.now(UTC), item)


def test_migrate_uses_timescale_exactly_when_the_server_preloads_it(empty_database_url):
    # Installed but not preloaded, CREATE EXTENSION would end the session with FATAL: migrate
    # must notice beforehand and fall back to plain tables.
    report = migrate(empty_database_url)
    assert report.timescale == _preloaded(empty_database_url)
    with psycopg2.connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT bool_and(timescale) FROM schema_migrations")
        assert (cur.fetchone() or (None,))[0] == report.timescale


def test_readings_over_many_days_store_each_id_once(database_url):
    start = datetime.now(UTC) - timedelta(days=10)
    first = [_reading(start + timedelta(hours=6 * k), k) for k in range(40)]
    later = [_reading(start + timedelta(hours=6 * k + 1), 100 + k) for k in range(7)]
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:  # one transaction per store, as the ingester does
            assert store_readings(cur, first + first[:5]) == 40
        with conn, conn.cursor() as cur:
            assert store_readings(cur, first + later) == 7
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), count(DISTINCT id) FROM readings")
            assert cur.fetchone() == (47, 47)
    finally:
        conn.close()


def test_hypertables_and_chunk_intervals(database_url):
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT bool_and(timescale) FROM schema_migrations")
        if not (cur.fetchone() or (False,))[0]:
            pytest.skip("TimescaleDB is not usable on this server")
        cur.execute(
            "SELECT hypertable_name, column_name, time_interval "
            "FROM timescaledb_information.dimensions WHERE hypertable_schema = 'public' "
            "ORDER BY hypertable_name"  # not the continuous aggregate's internal hypertable
        )
        assert cur.fetchall() == [
            ("device_status", "time", timedelta(days=7)),
            ("events", "time", timedelta(days=7)),
            ("readings", "time", timedelta(days=1)),
        ]
