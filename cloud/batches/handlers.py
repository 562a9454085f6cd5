"""Work handlers that keep presence and unit contents in step with the events stored."""

from datetime import datetime, timedelta
from typing import NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.batches.packing import leave_with_units, units_packed_into
from cloud.batches.presence import derive_intervals
from cloud.coldchain.handlers import COLD_CHAIN_BATCH, BatchIdKey
from cloud.db.batch_steps_store import refresh_steps
from cloud.db.locks import lock
from cloud.db.packing_store import (
    batch_departures,
    batch_keys,
    packing_scans,
    reader_scans_before,
    replace_unit_parents,
    unit_departures,
)
from cloud.db.presence_store import (
    batch_events,
    batch_of_item,
    ensure_batch,
    label_contents,
    packing_units_after,
    reader_packing_contents,
    replace_presence,
    replace_unit_contents,
    unit_events,
)
from cloud.db.rows.presence import ReaderScan
from cloud.db.work_queue import Work, WorkKind, enqueue

PACKING_WINDOW = timedelta(days=7)  # as reader_packing_contents: a pallet is packed within it
FIRST_CHUNK, LAST_CHUNK = 8, 1024  # scans read back at a time (most scans close a case)
MAX_READER_SCANS = 20_000  # the most scans of a reader read back to find a pallet's units


class BatchKey(NamedTuple):
    """A batch named by GTIN + lot."""

    gtin: str
    lot: str


class ItemKey(NamedTuple):
    """A serialised item (SGTIN)."""

    gtin: str
    serial: str


class UnitKey(NamedTuple):
    """A logistic unit (SSCC)."""

    sscc: str


class PackingReaderKey(NamedTuple):
    """A reader that scanned at packing (with the time range it scanned)."""

    site: str
    device: str
    reader: str


def rederive_batch(cur: Cursor, batch_id: int) -> None:
    """Recompute where the batch was from all its events; queue its cold chain for re-checking."""
    lock(cur, f"batch:{batch_id}")
    facts = batch_events(cur, batch_id)
    intervals = leave_with_units(derive_intervals(facts), facts, batch_departures(cur, batch_id))
    replace_presence(cur, batch_id=batch_id, intervals=intervals)
    if facts:
        cur.execute(
            "UPDATE batches SET first_seen = least(first_seen, %s) WHERE id = %s",
            (min(f.time for f in facts), batch_id),
        )
        first = min(f.time for f in facts)
        enqueue(cur, [COLD_CHAIN_BATCH.work(BatchIdKey(batch_id), first)])
    enqueue(cur, [BATCH_STEPS.work(BatchIdKey(batch_id))])


def handle_batch(cur: Cursor, key: BatchKey, work: Work) -> None:
    """A batch named by GTIN + lot was scanned: create it on first sight, re-derive presence."""
    rederive_batch(cur, ensure_batch(cur, key.gtin, key.lot))


def handle_item(cur: Cursor, key: ItemKey, work: Work) -> None:
    """A serialised item was scanned: re-derive the presence of its batch, if commissioned."""
    batch_id = batch_of_item(cur, key.gtin, key.serial)
    if batch_id is not None:
        rederive_batch(cur, batch_id)


def _units_packed_into(cur: Cursor, sscc: str) -> list[tuple[str, datetime, str, str]]:
    """(child SSCC, packed at, pack event id, site) of the units packed into `sscc` on a line."""
    children = []
    for site, device, reader, seq, at, event in packing_scans(cur, sscc):
        scans: list[ReaderScan] = []
        chunk = FIRST_CHUNK
        while True:
            before = scans[-1].seq if scans else seq
            more = reader_scans_before(
                cur, site, device, reader, before, at - PACKING_WINDOW, chunk
            )
            scans += more
            found, complete = units_packed_into(scans, sscc)
            if complete or len(more) < chunk or len(scans) >= MAX_READER_SCANS:
                break
            chunk = min(chunk * 2, LAST_CHUNK)
        children += [(c.sscc, at, event, site) for c in found if c.sscc is not None]
    return children


def rederive_unit(cur: Cursor, sscc: str) -> None:
    """Recompute a logistic unit's contents, the units packed into it, and its presence.

    What depends on its presence is queued when that changed: the units packed into it and
    the batches it holds (their stays at the packing place end when it leaves).
    """
    lock(cur, f"unit:{sscc}")
    contents: list[tuple[int, datetime, str, str]] = []
    for content_gtin, lot, at, event, site in label_contents(cur, sscc):
        if len(content_gtin) == 14 and content_gtin.isdigit():
            contents.append((ensure_batch(cur, content_gtin, lot), at, event, site))
    for gtin, packed_lot, serial, at, event, site in reader_packing_contents(cur, sscc):
        batch_id = None
        if gtin and packed_lot:
            batch_id = ensure_batch(cur, gtin, packed_lot)
        elif gtin and serial:
            batch_id = batch_of_item(cur, gtin, serial)
        if batch_id is not None:
            contents.append((batch_id, at, event, site))
    before = replace_unit_contents(cur, sscc, contents)
    children = _units_packed_into(cur, sscc)
    held_before = replace_unit_parents(cur, sscc, children)
    facts = unit_events(cur, sscc)
    intervals = leave_with_units(derive_intervals(facts), facts, unit_departures(cur, sscc))
    moved = replace_presence(cur, sscc=sscc, intervals=intervals)
    batch_ids = sorted({entry[0] for entry in contents})
    held = {c[0] for c in children}
    if moved or held != held_before:
        enqueue(cur, [UNIT.work(UnitKey(child)) for child in sorted(held | held_before)])
    if moved or set(batch_ids) != set(before):
        keys = batch_keys(cur, sorted({*batch_ids, *before}))
        enqueue(cur, [BATCH.work(BatchKey(gtin, lot)) for gtin, lot in keys])
    enqueue(cur, [COLD_CHAIN_BATCH.work(BatchIdKey(b)) for b in batch_ids])
    # The unit's scans are steps of what it holds (and no longer of what it held).
    enqueue(cur, [BATCH_STEPS.work(BatchIdKey(b)) for b in sorted({*batch_ids, *before})])


def handle_unit(cur: Cursor, key: UnitKey, work: Work) -> None:
    """A logistic unit was scanned: re-derive its contents and presence."""
    rederive_unit(cur, key.sscc)


def handle_packing_reader(cur: Cursor, key: PackingReaderKey, work: Work) -> None:
    """Scans at packing landed: re-derive the units packed on that reader after them."""
    if work.from_time is None:
        return
    for sscc in packing_units_after(cur, key.site, key.device, key.reader, work.from_time):
        rederive_unit(cur, sscc)


def handle_steps(cur: Cursor, key: BatchIdKey, work: Work) -> None:
    """The events naming a batch changed: derive its steps anew."""
    lock(cur, f"steps:{key.batch_id}")
    refresh_steps(cur, key.batch_id)


BATCH = WorkKind("batch", BatchKey, handle_batch)
ITEM = WorkKind("item", ItemKey, handle_item)
UNIT = WorkKind("unit", UnitKey, handle_unit)
PACKING_READER = WorkKind("packing_reader", PackingReaderKey, handle_packing_reader)
# The events naming a batch changed (its steps are derived anew).
BATCH_STEPS = WorkKind("batch_steps", BatchIdKey, handle_steps)
