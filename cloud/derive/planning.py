"""What derived work newly stored items call for (queued in the same transaction as they)."""

from collections.abc import Sequence

from cloud.batches.handlers import BATCH, ITEM, PACKING_READER, UNIT
from cloud.db.ingest_store import Received
from cloud.db.work_queue import Work
from contract import BizStep, ScanEvent


def work_for_events(received: Sequence[Received]) -> list[Work]:
    """Presence, item and packing work for scan events."""
    work: list[Work] = []
    for entry in received:
        event: ScanEvent = entry.item
        gs1 = event.gs1
        if gs1 is None:
            continue
        at = event.device_time
        if gs1.gtin and gs1.lot:
            work.append(Work(BATCH, f"{gs1.gtin}|{gs1.lot}", at, at))
        elif gs1.gtin and gs1.serial:
            work.append(Work(ITEM, f"{gs1.gtin}|{gs1.serial}", at, at))
        if gs1.sscc:
            work.append(Work(UNIT, gs1.sscc, at, at))
        elif gs1.gtin and event.biz_step is BizStep.PACKING:
            work.append(Work(PACKING_READER, f"{entry.site}|{entry.device}|{event.reader}", at, at))
    return work
