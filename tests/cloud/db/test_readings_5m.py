"""`readings_5m`: the same 5-minute chart relation on plain PostgreSQL as on TimescaleDB."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from cloud.db.ingest_store import Received, store_readings
from contract import SensorReading
from contract.items import ClockQuality, Quantity, ReadingQuality, new_item_id

MIGRATIONS = Path(__file__).resolve().parents[3] / "cloud" / "db" / "migrations"
COLUMNS = [
    ("bucket", "timestamp with time zone"),
    ("site_id", "text"),
    ("location", "text"),
    ("quantity", "text"),
    ("samples", "bigint"),
    ("min_value", "double precision"),
    ("max_value", "double precision"),
    ("avg_value", "double precision"),
]


def _reading(time: datetime, value: float, *, location: str = "cold-1", good: bool = True):
    item = SensorReading(
        id=new_item_id(),
        device_time=time,
        clock=ClockQuality.SYNCED,
        seq=0,
        sensor="t1",
        location=location,
        quantity=Quantity.TEMPERATURE,
        value=value,
        unit="CEL",
        quality=ReadingQuality.GOOD if good else ReadingQuality.SUSPECT,
    )
    return Received("site-1", "dev-1", datetime.now(UTC), item)


def test_readings_5m_has_the_agreed_columns(database_url):
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'readings_5m' ORDER BY ordinal_position"
        )
        assert cur.fetchall() == COLUMNS


def test_readings_5m_buckets_good_readings_per_series(database_url):
    # Recent (inside retention); on TimescaleDB the real-time aggregate counts unmaterialized rows.
    base = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    readings = [
        _reading(base + timedelta(minutes=1), 4.0),
        _reading(base + timedelta(minutes=2), 6.0),
        _reading(base + timedelta(minutes=4, seconds=59), 5.0),
        _reading(base + timedelta(minutes=3), 99.0, good=False),  # suspect: not charted
        _reading(base + timedelta(minutes=5), 3.0),  # next bucket
        _reading(base + timedelta(minutes=1), 8.0, location="cold-2"),
    ]
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        assert store_readings(cur, readings) == len(readings)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT bucket, location, samples, min_value, max_value, avg_value FROM readings_5m "
            "WHERE site_id = %s AND quantity = %s AND bucket >= %s AND bucket < %s "
            "ORDER BY location, bucket",
            ("site-1", "temperature", base, base + timedelta(hours=1)),
        )
        assert cur.fetchall() == [
            (base, "cold-1", 3, 4.0, 6.0, 5.0),
            (base + timedelta(minutes=5), "cold-1", 1, 3.0, 3.0, 3.0),
            (base, "cold-2", 1, 8.0, 8.0, 8.0),
        ]


def test_both_variants_define_the_same_columns_in_the_same_order():
    """The Timescale variant is not executed here: at least its select list must match."""
    selects = []
    for variant in ("timescale", "plain"):
        sql = (MIGRATIONS / f"0011_timescale_policies.{variant}.sql").read_text()
        body = re.sub(r"--[^\n]*", "", sql)
        match = re.search(r"AS\s+SELECT(.*?)\bFROM readings\b", body, re.S)
        assert match, variant
        names = [part.strip().split()[-1] for part in match[1].split(",\n")]
        selects.append(names)
    assert selects[0] == selects[1] == [name for name, _ in COLUMNS]


def test_timescale_refresh_window_stays_inside_retention():
    sql = (MIGRATIONS / "0011_timescale_policies.timescale.sql").read_text()
    refresh = re.search(r"start_offset => INTERVAL '(\d+) days'", sql)
    drop = re.search(r"txng\.readings_drop_after', true\), ''\), '(\d+) days'", sql)
    assert refresh and drop
    assert int(refresh[1]) * 4 < int(drop[1])


@pytest.mark.parametrize("setting", ["7 days", "30d", "1 year"])
def test_policy_ages_given_as_settings_parse_as_intervals(database_url, setting):
    """The Timescale variant reads txng.* settings; check that PostgreSQL accepts the forms."""
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SET txng.readings_drop_after = %s", (setting,))
        cur.execute(
            "SELECT coalesce(nullif(current_setting('txng.readings_drop_after', true), ''),"
            " '730 days')::interval > INTERVAL '1 day'"
        )
        assert cur.fetchone() == (True,)
