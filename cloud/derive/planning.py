"""What derived work newly stored items call for (queued in the same transaction as they)."""

from collections.abc import Sequence
from datetime import datetime

from cloud.batches.handlers import BATCH, ITEM, PACKING_READER, UNIT
from cloud.coldchain.handlers import COLD_CHAIN_LOCATION, location_key
from cloud.db.ingest_store import Received
from cloud.db.work_queue import Work
from cloud.trace.kinds import EVENT_CHAIN, INTEGRITY_BATCH, INTEGRITY_CODE
from contract import BizStep, ScanEvent, SensorReading


def work_for_events(received: Sequence[Received]) -> list[Work]:
    """Presence, item, packing, integrity and hash-chain work for scan events."""
    work: list[Work] = []
    for entry in received:
        event: ScanEvent = entry.item
        work.append(Work(EVENT_CHAIN, entry.site, entry.received_at, entry.received_at))
        work.extend(_integrity_work(event))
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


def _integrity_work(event: ScanEvent) -> list[Work]:
    """Integrity checks a scan calls for: the code's travel and commissioning, batch expiry."""
    gs1, at = event.gs1, event.device_time
    if gs1 is None:
        return []
    work = []
    if gs1.gtin and gs1.serial:
        work.append(Work(INTEGRITY_CODE, f"sgtin|{gs1.gtin}|{gs1.serial}", at, at))
    if gs1.sscc:
        work.append(Work(INTEGRITY_CODE, f"sscc|{gs1.sscc}", at, at))
    if gs1.gtin and gs1.lot:
        work.append(Work(INTEGRITY_BATCH, f"{gs1.gtin}|{gs1.lot}", at, at))
    return work


def work_for_readings(received: Sequence[Received]) -> list[Work]:
    """One cold-chain work item per location and quantity touched, over the times it got."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for entry in received:
        reading: SensorReading = entry.item
        key = location_key(entry.site, reading.location, str(reading.quantity))
        at = reading.device_time
        low, high = spans.get(key, (at, at))
        spans[key] = (min(low, at), max(high, at))
    return [Work(COLD_CHAIN_LOCATION, key, low, high) for key, (low, high) in spans.items()]
