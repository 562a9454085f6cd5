"""Bytes per stored reading on plain PostgreSQL: COPY N readings, measure heap and each index.

    python bench/db_size.py [--readings 100000] [--admin-url postgresql://…/postgres]

Prints bytes per row for the table and each index, and what that means per 1,000 sensors
sampled once a minute (GB per day, per month, per year) before TimescaleDB compression.
"""

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._services import DEFAULT_ADMIN_URL, ThrowawayDatabase
from cloud.db.ingest_store import Received, store_readings
from cloud.db.migrate import migrate
from contract import SensorReading
from contract.items import ClockQuality, Quantity, new_item_id

SENSORS_PER_DEVICE = 4
SAMPLES_PER_DAY = 24 * 60  # one reading a minute


def readings(count: int, sensors: int) -> list[Received]:
    """`count` readings from `sensors` probes, a minute apart, with realistic name lengths."""
    start = datetime.now(UTC) - timedelta(minutes=count // sensors + 1)
    received = datetime.now(UTC)
    out = []
    for index in range(count):
        sensor = index % sensors
        device = sensor // SENSORS_PER_DEVICE
        item = SensorReading(
            id=new_item_id(),
            device_time=start + timedelta(minutes=index // sensors),
            clock=ClockQuality.SYNCED,
            seq=index,
            sensor=f"room-probe-{sensor % SENSORS_PER_DEVICE + 1}",
            location=f"cold-room-{device % 3 + 1}",
            quantity=Quantity.TEMPERATURE if sensor % 2 == 0 else Quantity.RELATIVE_HUMIDITY,
            value=4.0 + (index % 17) / 10 if sensor % 2 == 0 else 80.0 + (index % 13) / 10,
            unit="CEL" if sensor % 2 == 0 else "P1",
        )
        out.append(
            Received(f"farm-{device // 5:03d}", f"cold-room-pi-{device:03d}", received, item)
        )
    return out


def main() -> None:
    """Store, vacuum, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument(
        "--admin-url", default=os.environ.get("TXNG_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
    )
    args = parser.parse_args()
    with ThrowawayDatabase(args.admin_url, prefix="txng_size") as database:
        migrate(database.url)
        rows = readings(args.readings, args.sensors)
        conn = psycopg2.connect(database.url)
        try:
            for offset in range(0, len(rows), 5_000):
                with conn, conn.cursor() as cur:  # one transaction per batch, as the ingester
                    store_readings(cur, rows[offset : offset + 5_000])
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE readings")
                cur.execute(
                    "SELECT pg_relation_size('readings'), pg_table_size('readings'),"
                    " pg_indexes_size('readings'), pg_total_relation_size('readings'),"
                    " (SELECT count(*) FROM readings)"
                )
                heap, table, indexes, total, count = cur.fetchone() or (0, 0, 0, 0, 0)
                cur.execute(
                    "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)"
                    " FROM pg_index WHERE indrelid = 'readings'::regclass ORDER BY 1"
                )
                per_index = cur.fetchall()
        finally:
            conn.close()
    print(f"{count:,} readings; bytes per reading:")
    print(f"  heap            {heap / count:7.1f}   (table with TOAST/FSM/VM {table / count:.1f})")
    for name, size in per_index:
        print(f"  {name:<30} {size / count:7.1f}")
    print(f"  all indexes     {indexes / count:7.1f}")
    print(f"  total           {total / count:7.1f}")
    per_day = 1000 * SAMPLES_PER_DAY
    print(
        f"per 1,000 sensors at one reading a minute ({per_day:,} rows a day), uncompressed: "
        f"{total / count * per_day / 1e9:.2f} GB a day, "
        f"{total / count * per_day * 30 / 1e9:.1f} GB a month, "
        f"{total / count * per_day * 365 / 1e9:.0f} GB a year"
    )


if __name__ == "__main__":
    main()
