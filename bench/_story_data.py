"""Data of the story bench: one batch of 100,000 scans across 5 steps and 3 sites, and neighbours.

Dried longan lot STORY-LN, made from fresh longan STORY-NL, is packed as 20,000 serialised
packs (one scan each, GS1 Digital Link with lot and serial) into 40 pallets at the farm's
packing line, scanned into the cold room, scanned out at the dock, received pack by pack at a
distributor's warehouse in Hà Nội and sold pack by pack at a shop: 5 x 20,000 scans, plus the
pallets' scans. Background: 100 other batches of 1,000 scans each at the same places. Readings:
one a minute at the cold room and the warehouse for the batch's ten days. Stored with the
ingester's bulk store, derived by the derive worker (presence, units, steps), readings COPY'd
and rolled up as bench/_timeline_data.py does.
"""

import uuid
from datetime import UTC, datetime, timedelta

import psycopg2

from bench._timeline_data import _Lines
from cloud.batches import handlers as batches
from cloud.db.ingest_store import READING_COLUMNS, Received, store_events
from cloud.db.pool import Database
from cloud.db.rollups_store import rebuild_rollups
from cloud.db.work_queue import enqueue
from cloud.derive.planning import work_for_events
from cloud.derive.worker import DeriveWorker
from contract import ClockQuality, ScanEvent
from contract.items import Gs1Identifiers

FRESH, DRIED = "08936012345001", "08936012345018"
FRESH_LOT, LOT = "STORY-NL", "STORY-LN"
FARM, DIST, SHOP = "hy-longan", "hn-dist", "hn-shop"
PACKS, PER_PALLET = 20_000, 500
START = datetime(2026, 8, 1, 1, 0, tzinfo=UTC)
# (site, device, location, business step, first scan's day)
STEPS = (
    (FARM, "pi-line", "packing-line-1", "packing", 0),
    (FARM, "pi-cold", "cold-room-1", "storing", 1),
    (FARM, "pi-dock", "dock", "shipping", 3),
    (DIST, "pi-wh", "warehouse-1", "receiving", 4),
    (SHOP, "pi-pos", "shop-1", "retail_selling", 6),
)


def serial(i: int) -> str:
    """The serial of pack i."""
    return f"S{i:07d}"


def pallet(i: int) -> str:
    """A (check-digit-free, bench-only) SSCC of pallet i."""
    return f"38936012399{i:07d}"


def master_data(url: str) -> None:
    """Sites, places, the chilled-and-dry profile, products, the batches and their link."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO cold_chain_profiles (id, name, max_value, single_excursion_s) "
            "VALUES ('story-dry', 'Dry below 25', 25, 3600)"
        )
        cur.execute(
            "INSERT INTO products (gtin, name, profile_id, serialised) VALUES "
            "(%s, 'Nhãn tươi', NULL, false), (%s, 'Long nhãn sấy', 'story-dry', true)",
            (FRESH, DRIED),
        )
        cur.execute(
            "INSERT INTO sites (id, name) VALUES (%s, 'HTX'), (%s, 'NPP'), (%s, 'Shop')",
            (FARM, DIST, SHOP),
        )
        cur.executemany(
            "INSERT INTO locations (site_id, code, kind) VALUES (%s, %s, %s)",
            [
                (FARM, "packing-line-1", "packing_line"),
                (FARM, "cold-room-1", "cold_room"),
                (FARM, "dock", "warehouse"),
                (DIST, "warehouse-1", "warehouse"),
                (SHOP, "shop-1", "shop"),
            ],
        )
        cur.execute(
            "INSERT INTO batches (gtin, lot, verified, site_id, production_date) VALUES "
            "(%s, %s, true, %s, '2026-07-20'), (%s, %s, true, %s, '2026-07-31') RETURNING id",
            (FRESH, FRESH_LOT, FARM, DRIED, LOT, FARM),
        )
        fresh_id, dried_id = (row[0] for row in cur.fetchall())
        cur.execute(
            "INSERT INTO batch_inputs (batch_id, input_batch_id) VALUES (%s, %s)",
            (dried_id, fresh_id),
        )
        cur.execute(
            "INSERT INTO commissioned_items (gtin, serial, batch_id) "
            "SELECT %s, 'S' || lpad(i::text, 7, '0'), %s FROM generate_series(0, %s) i",
            (DRIED, dried_id, PACKS - 1),
        )
        cur.executemany(
            "INSERT INTO batches (gtin, lot, verified, site_id) VALUES (%s, %s, true, %s)",
            [(DRIED, f"OTHER-{k:03d}", FARM) for k in range(100)],
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
        raw="|".join(gs1.values()),
        gs1=Gs1Identifiers(**gs1),
    )


def scans() -> list[Received]:
    """The batch's 100,000 pack scans and its pallets' scans, and the background batches'."""
    now = datetime.now(UTC)
    out: list[Received] = []
    seq = 0
    for site, device, location, step, day in STEPS:
        first = START + timedelta(days=day)
        for i in range(PACKS):
            at = first + timedelta(seconds=2.5 * i)
            gs1 = {"gtin": DRIED, "lot": LOT, "serial": serial(i)}
            out.append(Received(site, device, now, _scan(seq, at, location, step, **gs1)))
            seq += 1
            if step == "packing" and i % PER_PALLET == PER_PALLET - 1:
                label = _scan(
                    seq, at + timedelta(seconds=1), location, step, sscc=pallet(i // PER_PALLET)
                )
                out.append(Received(site, device, now, label))
                seq += 1
    for k in range(100):  # background: packed, stored and shipped at the same places
        for j in range(1000):
            site, device, location, step, _ = STEPS[j % 3]
            at = START - timedelta(days=20) + timedelta(hours=k, seconds=3 * j)
            gs1 = {"gtin": DRIED, "lot": f"OTHER-{k:03d}"}
            out.append(Received(site, device, now, _scan(seq, at, location, step, **gs1)))
            seq += 1
    return out


def store(url: str, received: list[Received]) -> None:
    """Store as the ingester does, then derive presence, units and steps."""
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            devices = sorted({(r.site, r.device) for r in received})
            cur.executemany(
                "INSERT INTO devices (site_id, device_id, approval) VALUES (%s, %s, 'approved')",
                devices,
            )
            for i in range(0, len(received), 20_000):
                store_events(cur, received[i : i + 20_000])
            enqueue(cur, work_for_events(received))
        kinds = (batches.BATCH, batches.ITEM, batches.UNIT, batches.PACKING_READER)
        kinds += (batches.BATCH_STEPS,)
        worker = DeriveWorker(database, kinds=kinds, batch_size=200)
        while worker.run_once():
            pass
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM work_queue")  # cold chain, chain, integrity: not measured
    finally:
        database.close()


def _reading_lines(k: int, location: str, site: str, days: int) -> bytes:
    received = (START + timedelta(days=days)).isoformat()
    lines = []
    for m in range(days * 24 * 60):
        at = (START + timedelta(minutes=m)).isoformat()
        value = 26.0 if 1500 <= m < 1600 else 22.0 + (m % 120) / 60  # one 100-minute excursion
        lines.append(
            f"{at}\t00000000-0000-4000-9000-{k:04x}{m:08x}\t{site}\tpi-t\t"
            f"{m}\tsynced\tprobe-1\t{location}\ttemperature\t{value}\tCEL\tgood\t{received}\n"
        )
    return "".join(lines).encode()


def readings(url: str, days: int = 10) -> int:
    """A reading a minute at the cold room and the warehouse, COPY'd and rolled up."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            for k, (site, location) in enumerate(((FARM, "cold-room-1"), (DIST, "warehouse-1"))):
                cur.copy_expert(
                    f"COPY readings ({', '.join(READING_COLUMNS)}) FROM STDIN",
                    _Lines(iter([_reading_lines(k, location, site, days)])),
                )
            rebuild_rollups(cur)
        conn.autocommit = True
        with conn.cursor() as cur:
            for table in ("readings", "events", "batch_steps", "presence", "unit_contents"):
                cur.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()
    return 2 * days * 24 * 60
