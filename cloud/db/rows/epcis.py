"""What our own EPCIS events are made from: scans, packings, batch inputs and stays."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    """A location of a site, with its GLN (+ extension) when it has one."""

    site: str
    code: str
    gln: str | None = None
    gln_extension: str | None = None


@dataclass(frozen=True)
class Scan:
    """One stored scan event with the GS1 keys it read."""

    id: str
    time: datetime
    place: Place
    biz_step: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sscc: str | None = None
    epc_uri: str | None = None


@dataclass(frozen=True)
class Packing:
    """A scan that put batches into a logistic unit (unit_contents, by its pack event)."""

    id: str
    time: datetime
    place: Place
    biz_step: str
    sscc: str
    contents: tuple[tuple[str, str], ...]  # (gtin, lot) of each batch packed


@dataclass(frozen=True)
class BatchRef:
    """A batch by its GS1 key, with a quantity when master data has one."""

    gtin: str
    lot: str
    quantity: Decimal | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Making:
    """A batch made from input batches (master data batch inputs)."""

    output: BatchRef
    inputs: tuple[BatchRef, ...]
    time: datetime
    place: Place | None = None


@dataclass(frozen=True)
class StayConditions:
    """A batch's stay at a place with its temperature summary (count 0: no readings)."""

    batch: BatchRef
    place: Place
    start: datetime
    end: datetime | None
    count: int
    min: float | None
    max: float | None
    mean: float | None
    via_sscc: str | None = None
    extra: dict[str, float] = field(default_factory=dict)
