"""What derived work newly stored items call for (queued in the same transaction as they)."""

from collections.abc import Sequence
from datetime import datetime

from cloud.batches.handlers import (
    BATCH,
    ITEM,
    PACKING_READER,
    UNIT,
    BatchKey,
    ItemKey,
    PackingReaderKey,
    UnitKey,
)
from cloud.coldchain.handlers import COLD_CHAIN_LOCATION
from cloud.db.ingest_store import ReadingFields, Received
from cloud.db.rollups_store import LocationKey
from cloud.db.work_queue import Work
from cloud.trace import integrity
from cloud.trace.chain import EVENT_CHAIN, SiteKey
from cloud.trace.integrity import INTEGRITY_BATCH, INTEGRITY_CODE, CodeKey
from contract import BizStep, ScanEvent, SensorReading


def work_for_events(received: Sequence[Received]) -> list[Work]:
    """Presence, item, packing, integrity and hash-chain work for scan events."""
    work: list[Work] = []
    for entry in received:
        event: ScanEvent = entry.item
        work.append(EVENT_CHAIN.work(SiteKey(entry.site), entry.received_at, entry.received_at))
        work.extend(_integrity_work(event))
        gs1 = event.gs1
        if gs1 is None:
            continue
        at = event.device_time
        if gs1.gtin and gs1.lot:
            work.append(BATCH.work(BatchKey(gs1.gtin, gs1.lot), at, at))
        elif gs1.gtin and gs1.serial:
            work.append(ITEM.work(ItemKey(gs1.gtin, gs1.serial), at, at))
        if gs1.sscc:
            work.append(UNIT.work(UnitKey(gs1.sscc), at, at))
        if (gs1.gtin or gs1.sscc) and event.biz_step is BizStep.PACKING:
            # What a reader packs goes into its next unit scans (a unit: into its next pallet).
            reader = PackingReaderKey(entry.site, entry.device, event.reader)
            work.append(PACKING_READER.work(reader, at, at))
    return work


def _integrity_work(event: ScanEvent) -> list[Work]:
    """Integrity checks a scan calls for: the code's travel and commissioning, batch expiry."""
    gs1, at = event.gs1, event.device_time
    if gs1 is None:
        return []
    work = []
    if gs1.gtin and gs1.serial:
        work.append(INTEGRITY_CODE.work(CodeKey.of_item(gs1.gtin, gs1.serial), at, at))
    if gs1.sscc:
        work.append(INTEGRITY_CODE.work(CodeKey.of_unit(gs1.sscc), at, at))
    if gs1.gtin and gs1.lot:
        work.append(INTEGRITY_BATCH.work(integrity.BatchKey(gs1.gtin, gs1.lot), at, at))
    return work


def work_for_readings(received: Sequence[Received]) -> list[Work]:
    """One cold-chain work item per location and quantity touched, over the times it got."""
    by_site: dict[str, list[SensorReading]] = {}
    for entry in received:
        by_site.setdefault(entry.site, []).append(entry.item)
    return [
        work
        for site, readings in by_site.items()
        for work in work_for_message_readings(site, readings)
    ]


def work_for_message_readings(site: str, readings: Sequence[ReadingFields]) -> list[Work]:
    """`work_for_readings` of one message's readings (one site): the ingester's hot path."""
    spans: dict[tuple[str, str], list[datetime]] = {}
    for reading in readings:
        at = reading.device_time
        span = spans.get((reading.location, reading.quantity))
        if span is None:
            spans[(reading.location, reading.quantity)] = [at, at]
        elif at < span[0]:
            span[0] = at
        elif at > span[1]:
            span[1] = at
    return [
        COLD_CHAIN_LOCATION.work(LocationKey(site, location, str(quantity)), low, high)
        for (location, quantity), (low, high) in spans.items()
    ]
