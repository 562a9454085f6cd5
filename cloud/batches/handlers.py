"""Work handlers that keep presence and unit contents in step with the events stored."""

from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.batches.presence import derive_intervals
from cloud.db.batch_steps_store import WORK_KIND as STEPS_WORK_KIND
from cloud.db.batch_steps_store import refresh_steps
from cloud.db.presence_store import (
    batch_events,
    batch_of_item,
    ensure_batch,
    label_contents,
    lock_subject,
    packing_units_after,
    reader_packing_contents,
    replace_presence,
    replace_unit_contents,
    unit_events,
)
from cloud.db.work_queue import Work, enqueue

BATCH = "batch"  # key: gtin|lot
ITEM = "item"  # key: gtin|serial
UNIT = "unit"  # key: sscc
PACKING_READER = "packing_reader"  # key: site|device|reader, with the time range scanned
COLD_CHAIN_BATCH = "coldchain_batch"  # key: batch id; queued when a batch's presence changes
BATCH_STEPS = STEPS_WORK_KIND  # key: batch id; queued when the events naming a batch change


def rederive_batch(cur: Cursor, batch_id: int) -> None:
    """Recompute where the batch was from all its events; queue its cold chain for re-checking."""
    lock_subject(cur, f"batch:{batch_id}")
    facts = batch_events(cur, batch_id)
    intervals = derive_intervals(facts)
    replace_presence(cur, batch_id=batch_id, intervals=intervals)
    if facts:
        cur.execute(
            "UPDATE batches SET first_seen = least(first_seen, %s) WHERE id = %s",
            (min(f.time for f in facts), batch_id),
        )
        enqueue(cur, [Work(COLD_CHAIN_BATCH, str(batch_id), min(f.time for f in facts), None)])
    enqueue(cur, [Work(BATCH_STEPS, str(batch_id))])


def handle_batch(cur: Cursor, work: Work) -> None:
    """A batch named by GTIN + lot was scanned: create it on first sight, re-derive presence."""
    gtin, lot = work.key.split("|", 1)
    rederive_batch(cur, ensure_batch(cur, gtin, lot))


def handle_item(cur: Cursor, work: Work) -> None:
    """A serialised item was scanned: re-derive the presence of its batch, if commissioned."""
    gtin, serial = work.key.split("|", 1)
    batch_id = batch_of_item(cur, gtin, serial)
    if batch_id is not None:
        rederive_batch(cur, batch_id)


def rederive_unit(cur: Cursor, sscc: str) -> None:
    """Recompute a logistic unit's contents and presence."""
    lock_subject(cur, f"unit:{sscc}")
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
    replace_presence(cur, sscc=sscc, intervals=derive_intervals(unit_events(cur, sscc)))
    batch_ids = sorted({entry[0] for entry in contents})
    enqueue(cur, [Work(COLD_CHAIN_BATCH, str(b)) for b in batch_ids])
    # The unit's scans are steps of what it holds (and no longer of what it held).
    enqueue(cur, [Work(BATCH_STEPS, str(b)) for b in sorted({*batch_ids, *before})])


def handle_unit(cur: Cursor, work: Work) -> None:
    """A logistic unit was scanned: re-derive its contents and presence."""
    rederive_unit(cur, work.key)


def handle_packing_reader(cur: Cursor, work: Work) -> None:
    """Batch scans at packing landed: re-derive the units packed on that reader after them."""
    site, device, reader = work.key.split("|", 2)
    if work.from_time is None:
        return
    for sscc in packing_units_after(cur, site, device, reader, work.from_time):
        rederive_unit(cur, sscc)


def handle_steps(cur: Cursor, work: Work) -> None:
    """The events naming a batch changed: derive its steps anew."""
    lock_subject(cur, f"steps:{work.key}")
    refresh_steps(cur, int(work.key))
