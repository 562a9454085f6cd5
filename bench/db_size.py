"""Bytes per stored reading on plain PostgreSQL: COPY N readings, measure heap and each index.

    python bench/db_size.py [--readings 100000] [--admin-url postgresql://…/postgres]

Prints bytes per row for the table and each index, and what that means per 1,000 sensors
sampled once a minute (GB per day, per month, per year) before TimescaleDB compression.
"""

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._services import DEFAULT_ADMIN_URL, ThrowawayDatabase
from cloud.db.ingest_store import Received, store_readings, store_status
from cloud.db.migrate import migrate
from contract import SensorReading
from contract.items import (
    ClockQuality,
    DeviceState,
    DeviceStatus,
    Quantity,
    ReaderHealth,
    new_item_id,
)

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


def heartbeats(count: int) -> list[Received]:
    """`count` heartbeats of devices with four probes and a scanner, 30 s apart."""
    start = datetime.now(UTC) - timedelta(seconds=30 * count)
    readers = {f"room-probe-{k}": ReaderHealth(state="running") for k in range(1, 5)}
    readers["door-scanner"] = ReaderHealth(state="running", restarts=1, errors=2)
    return [
        Received(
            "farm-000",
            f"cold-room-pi-{index % 50:03d}",
            datetime.now(UTC),
            DeviceStatus(
                id=new_item_id(),
                device_time=start + timedelta(seconds=30 * index),
                clock=ClockQuality.SYNCED,
                seq=index,
                state=DeviceState.ONLINE,
                version="0.1.0",
                uptime_s=3600.0 + index,
                outbox_depth=index % 7,
                outbox_capacity=1_000_000,
                readers=readers,
            ),
        )
        for index in range(count)
    ]


def _sizes(cur: "psycopg2.extensions.cursor", table: str) -> tuple[int, int, int, int]:
    cur.execute(f"VACUUM ANALYZE {table}")
    cur.execute(
        "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s),"
        f" (SELECT count(*) FROM {table})",
        (table, table, table),
    )
    heap, indexes, total, count = cur.fetchone() or (0, 0, 0, 1)
    return heap, indexes, total, count


def main() -> None:
    """Store, vacuum, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "TXNG_DATABASE_URL", os.environ.get("TXNG_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
        ),
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
            status = heartbeats(args.readings // 5)
            for offset in range(0, len(status), 5_000):
                with conn, conn.cursor() as cur:
                    store_status(cur, status[offset : offset + 5_000])
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
                s_heap, s_indexes, s_total, s_count = _sizes(cur, "device_status")
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
        f"{s_count:,} heartbeats (device_status); bytes per row: heap {s_heap / s_count:.1f},"
        f" indexes {s_indexes / s_count:.1f}, total {s_total / s_count:.1f}"
    )
    beats = 1000 // SENSORS_PER_DEVICE * 2 * SAMPLES_PER_DAY  # 250 devices, one every 30 s
    print(
        f"per 1,000 sensors ({1000 // SENSORS_PER_DEVICE} devices with {SENSORS_PER_DEVICE}"
        f" probes, a heartbeat every 30 s: {beats:,} rows a day): "
        f"{s_total / s_count * beats / 1e9:.2f} GB a day of status history"
    )
    print(
        f"per 1,000 sensors at one reading a minute ({per_day:,} rows a day), uncompressed: "
        f"{total / count * per_day / 1e9:.2f} GB a day, "
        f"{total / count * per_day * 30 / 1e9:.1f} GB a month, "
        f"{total / count * per_day * 365 / 1e9:.0f} GB a year"
    )
    summary = {
        "reading_bytes": round(total / count, 1),
        "reading_index_bytes": round(indexes / count, 1),
        "heartbeat_bytes": round(s_total / s_count, 1),
        "gb_per_day_per_1000_sensors": round(total / count * per_day / 1e9, 3),
    }
    print(json.dumps(summary))  # the last line: one JSON object, as every benchmark ends


if __name__ == "__main__":
    main()
