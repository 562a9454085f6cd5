"""Bulk data of the timeline bench: master data, scans via the ingest store, readings by COPY."""

import io
import math
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg2

from cloud.batches import handlers as batches
from cloud.db.batch_steps_store import refresh_steps
from cloud.db.ingest_store import READING_COLUMNS, Received, store_events
from cloud.db.pool import Database
from cloud.db.rollups_store import rebuild_rollups
from cloud.db.work_queue import enqueue
from cloud.derive.planning import work_for_events
from cloud.derive.worker import DeriveWorker
from contract import ClockQuality, ScanEvent
from contract.items import Gs1Identifiers

SITE = "bench"
GTIN = "08936012345018"
PROFILE = "bench-chilled"
LINE_DEVICE = "pi-line"


def log(text: str) -> None:
    print(f"[bench-data] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Dataset:
    """The bench's batches (ids in lot order), readings, and whether a run loaded them before."""

    batch_ids: list[int]
    readings: int
    reused: bool


def _found(database_url: str) -> Dataset | None:
    """The dataset a previous run loaded into this database, or None when there is none."""
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM batches WHERE gtin = %s AND lot LIKE 'B%%' ORDER BY lot", (GTIN,)
            )
            ids = [int(row[0]) for row in cur.fetchall()]
            cur.execute(
                "SELECT count(*) FROM readings WHERE site_id = %s AND location LIKE 'cold-room-%%'",
                (SITE,),
            )
            row = cur.fetchone()
    finally:
        conn.close()
    return Dataset(ids, int(row[0]) if row else 0, reused=True) if ids else None


def ensure_dataset(
    database_url: str, *, sensors: int, batch_count: int, days: int, budget_s: float
) -> Dataset:
    """Load the dataset, or reuse the one an earlier run loaded (the run's options then unused)."""
    found = _found(database_url)
    if found is not None:
        if not found.readings:
            raise SystemExit(
                "the database holds the bench's batches but no readings (an earlier"
                " load was cut short): drop it or give an empty one"
            )
        log(
            f"reusing the {len(found.batch_ids)} batches, {found.readings} readings in the database"
        )
        derive_missing_steps(database_url, found.batch_ids)
        settle(database_url)
        return found
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=days)
    began = time.monotonic()
    master_data(database_url, sensors, batch_count)
    store_scans(database_url, batch_scans(batch_count, sensors, start, days))
    log(f"master data and scans in {time.monotonic() - began:.1f} s")
    readings = load_readings(database_url, sensors, days, start, budget_s)
    log(f"{readings} readings loaded and indexed in {time.monotonic() - began:.1f} s")
    loaded = _found(database_url)
    assert loaded is not None
    return Dataset(loaded.batch_ids, readings, reused=False)


def derive_missing_steps(database_url: str, batch_ids: list[int]) -> None:
    """Derive the steps (consumer page, story) of batches an older run stored without them."""
    database = Database(database_url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM unnest(%s::bigint[]) AS b (id) WHERE NOT EXISTS "
                "(SELECT 1 FROM batch_steps s WHERE s.batch_id = b.id)",
                (batch_ids,),
            )
            missing = [int(row[0]) for row in cur.fetchall()]
            for batch_id in missing:
                refresh_steps(cur, batch_id)
        if missing:
            log(f"derived the steps of {len(missing)} batches stored without them")
    finally:
        database.close()


def room(k: int) -> str:
    """The location of sensor k (one probe per cold room)."""
    return f"cold-room-{k:03d}"


def master_data(database_url: str, sensors: int, batch_count: int) -> None:
    """A chilled profile and product, the cold rooms, and the batches (verified, as imported)."""
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO cold_chain_profiles (id, name, min_value, max_value, single_excursion_s,"
            " hysteresis) VALUES (%s, 'Chilled 2-8', 2, 8, 600, 0.5)",
            (PROFILE,),
        )
        cur.execute(
            "INSERT INTO products (gtin, name, profile_id, producer_name) "
            "VALUES (%s, 'Long nhãn sấy', %s, 'HTX Hồng Nam')",
            (GTIN, PROFILE),
        )
        cur.execute("INSERT INTO sites (id) VALUES (%s)", (SITE,))
        cur.executemany(
            "INSERT INTO locations (site_id, code, kind) VALUES (%s, %s, 'cold_room')",
            [(SITE, room(k)) for k in range(sensors)],
        )
        cur.executemany(
            "INSERT INTO batches (gtin, lot, verified, source, production_date, origin_code) "
            "VALUES (%s, %s, true, 'import', '2026-01-01', 'HY-VT-0042')",
            [(GTIN, f"B{i:05d}") for i in range(batch_count)],
        )
    conn.close()


def _scan(seq: int, at: datetime, location: str, step: str, **gs1: str) -> ScanEvent:
    return ScanEvent(
        id=uuid.uuid4(),
        device_time=at,
        clock=ClockQuality.SYNCED,
        seq=seq,
        reader="scanner-1",
        location=location,
        biz_step=step,
        raw="|".join(f"{k}={v}" for k, v in gs1.items()),
        gs1=Gs1Identifiers(**gs1),
    )


def sscc(i: int) -> str:
    """A (check-digit-free, bench-only) SSCC of unit i."""
    return f"38936012345{i:07d}"


def batch_scans(batch_count: int, sensors: int, start: datetime, days: int) -> list[Received]:
    """Per batch: receiving at the dock, storing in a cold room, packing into a unit, shipping."""
    # Packing lines: one per 20 batches (the lead's line-packing derivation is quadratic in the
    # units one reader packs within 7 days; see the report).
    line: list[tuple[str, datetime, str, dict[str, str]]] = []
    dock: list[ScanEvent] = []
    for i in range(batch_count):
        lot = f"B{i:05d}"
        received = start + timedelta(hours=(i * 13) % ((days - 6) * 24))
        packed = received + timedelta(days=3 + i % 23, minutes=i % 50)
        packed = min(packed, start + timedelta(days=days, hours=-2))
        dock.append(_scan(0, received, "dock", "receiving", gtin=GTIN, lot=lot))
        dock.append(
            _scan(
                0, received + timedelta(hours=1), room(i % sensors), "storing", gtin=GTIN, lot=lot
            )
        )
        device = f"{LINE_DEVICE}-{i % 50:02d}"
        line.append((device, packed, "packing", {"gtin": GTIN, "lot": lot}))
        line.append((device, packed + timedelta(seconds=5), "packing", {"sscc": sscc(i)}))
        dock.append(_scan(0, packed + timedelta(hours=1), "dock", "shipping", sscc=sscc(i)))
    now = datetime.now(UTC)
    received_items = [Received(SITE, "pi-dock", now, e) for e in dock]
    for seq, (device, at, step, gs1) in enumerate(sorted(line, key=lambda x: x[1])):
        event = _scan(seq, at, "line-1", step, **gs1)
        received_items.append(Received(SITE, device, now, event))
    return received_items


def store_scans(database_url: str, received: list[Received]) -> None:
    """Store the scans as the ingester does, then derive presence and unit contents."""
    database = Database(database_url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            devices = sorted({(SITE, r.device) for r in received})
            cur.executemany(
                "INSERT INTO devices (site_id, device_id, approval) VALUES (%s, %s, 'approved') "
                "ON CONFLICT DO NOTHING",
                devices,
            )
            store_events(cur, received)
            enqueue(cur, work_for_events(received))
        kinds = (
            batches.BATCH, batches.ITEM, batches.UNIT, batches.PACKING_READER, batches.BATCH_STEPS
        )
        worker = DeriveWorker(database, kinds=kinds, batch_size=200)
        while worker.run_once():
            pass
        with database.transaction() as conn, conn.cursor() as cur:
            # The bulk's cold-chain, chain and integrity work is not what this bench measures.
            cur.execute("DELETE FROM work_queue")
    finally:
        database.close()


class _Lines(io.RawIOBase):
    """A file-like stream of COPY text, generated as PostgreSQL reads it."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while len(self._buffer) < len(target):
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _reading_chunks(sensors: range, minutes: int, start: datetime) -> Iterator[bytes]:
    stamps = [(start + timedelta(minutes=m)).isoformat() for m in range(minutes)]
    received = (start + timedelta(minutes=minutes)).isoformat()
    # A slow daily wave around 4.5 °C with door openings: a few minutes above 8 °C now and then.
    values = [
        repr(round(4.5 + 1.5 * math.sin(m / 229.0) + (4.2 if m % 997 < 6 else 0.0), 2))
        for m in range(minutes)
    ]
    for k in sensors:
        device, location, sensor = f"pi-{k // 10:02d}", room(k), f"probe-{k % 10}"
        head = f"\t{SITE}\t{device}\t"
        tail = f"\tsynced\t{sensor}\t{location}\ttemperature\t"
        shift = (k * 37) % minutes
        lines = [
            f"{stamps[m]}\t00000000-0000-4000-8000-{k:04x}{m:08x}{head}{m}{tail}"
            f"{values[(m + shift) % minutes]}\tCEL\tgood\t{received}\n"
            for m in range(minutes)
        ]
        yield "".join(lines).encode()


def load_readings(
    database_url: str, sensors: int, days: int, start: datetime, budget_s: float
) -> int:
    """COPY one reading per minute per sensor (as many sensors as fit in `budget_s`)."""
    minutes = days * 24 * 60
    conn = psycopg2.connect(database_url)
    loaded = 0
    try:
        with conn, conn.cursor() as cur:
            # The readings' indexes are dropped for the COPY and rebuilt after (as a bulk load
            # does), from their definitions in the schema.
            cur.execute("SET synchronous_commit = off")
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'readings'")
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {name}")
        began = time.monotonic()
        step = 10
        for first in range(0, sensors, step):
            count = min(step, sensors - first)
            chunks = _reading_chunks(range(first, first + count), minutes, start)
            with conn, conn.cursor() as cur:
                cur.copy_expert(
                    f"COPY readings ({', '.join(READING_COLUMNS)}) FROM STDIN",
                    _Lines(chunks),
                    size=1 << 20,
                )
            loaded += count * minutes
            if time.monotonic() - began > budget_s:
                break
        with conn, conn.cursor() as cur:
            # This transaction's commit is flushed before the VACUUM below: rows of a commit
            # still waiting for its WAL flush cannot be hinted committed, so that VACUUM left
            # every rollup page not all-visible, and each cell an index-only scan read went
            # to the heap as well (until a later VACUUM, which autovacuum, the table being
            # unchanged, never ran).
            cur.execute("SET synchronous_commit = on")
            cur.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cur.execute(definition)
            # The COPY bypassed the work queue that keeps the rollups: rebuild them.
            rebuild_rollups(cur)
            cur.execute("ANALYZE presence")
            cur.execute("ANALYZE unit_contents")
            cur.execute("ANALYZE events")
    finally:
        conn.close()
    settle(database_url)
    return loaded


def settle(database_url: str) -> None:
    """VACUUM ANALYZE the readings and rollups, as autovacuum would have before measuring.

    Quick when done before (pages already all-visible are skipped); run on a reused database
    too, where a load by an older version of this bench left the rollups not all-visible.
    """
    began = time.monotonic()
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for table in ("readings", "reading_rollups", "reading_rollups_coarse"):
                cur.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()
    log(f"readings and rollups vacuumed in {time.monotonic() - began:.1f} s")
