"""Build valid contract messages for tests."""

from datetime import UTC, datetime, timedelta

from contract import (
    Channel,
    ClockQuality,
    Envelope,
    ScanEvent,
    SensorReading,
    Topic,
    encode,
    new_item_id,
)
from contract.items import Gs1Identifiers

SITE = "hy-longan"
DEVICE = "pi-cold-01"
START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def reading(seq: int, value: float = 4.0, *, location: str = "cold-room-1") -> SensorReading:
    return SensorReading(
        id=new_item_id(),
        device_time=START + timedelta(seconds=seq),
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor="probe-1",
        location=location,
        quantity="temperature",
        value=value,
        unit="CEL",
    )


def scan(seq: int, *, raw: str = "]C1010893500000001110LOT-1") -> ScanEvent:
    return ScanEvent(
        id=new_item_id(),
        device_time=START + timedelta(seconds=seq),
        clock=ClockQuality.UNSYNCED,
        seq=seq,
        reader="scanner-1",
        location="packing-line-1",
        biz_step="packing",
        raw=raw,
        symbology="]C1",
        gs1=Gs1Identifiers(gtin="08935000000011", lot="LOT-1"),
    )


def message(items: list, *, site: str = SITE, device: str = DEVICE) -> tuple[str, bytes]:
    channel = Channel.READINGS if isinstance(items[0], SensorReading) else Channel.EVENTS
    envelope = Envelope(site=site, device=device, items=items)
    return str(Topic(site, device, channel)), encode(envelope)


def reading_messages(count: int, per_message: int, *, device: str = DEVICE) -> list:
    """`count` messages of `per_message` readings each, with distinct ids."""
    return [
        message([reading(m * per_message + i) for i in range(per_message)], device=device)
        for m in range(count)
    ]


def scan_of(
    seq: int,
    *,
    at: datetime,
    location: str,
    biz_step: str,
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    sscc: str | None = None,
    other: dict[str, str] | None = None,
    reader: str = "scanner-1",
) -> ScanEvent:
    """A scan of GS1 identifiers at a time and place (raw is a readable stand-in)."""
    gs1 = Gs1Identifiers(gtin=gtin, lot=lot, serial=serial, sscc=sscc, other=other or {})
    return ScanEvent(
        id=new_item_id(),
        device_time=at,
        clock=ClockQuality.SYNCED,
        seq=seq,
        reader=reader,
        location=location,
        biz_step=biz_step,
        raw="|".join(f"{k}={v}" for k, v in gs1.model_dump(exclude_none=True).items() if v),
        gs1=gs1,
    )
