"""The items a message carries: scan events, sensor readings and device status."""

import os
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from contract.topics import IDENTIFIER_PATTERN

Name = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
# Text that a database can store: no NUL characters.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
MAX_SEQ = 2**63 - 1  # what SQLite and PostgreSQL (bigint) store
MAX_INT32 = 2**31 - 1  # PostgreSQL integer
# GS1 AI encodable character set 82 (printable ASCII without space), as lots and serials use.
Cset82 = Annotated[str, Field(pattern=r"^[!-~]{1,20}$")]


def new_item_id() -> UUID:
    """A new time-ordered (UUIDv7 layout) item id: unique, and kind to B-tree indexes."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return UUID(int=value)


def to_utc(value: datetime) -> datetime:
    """An aware time in UTC; one that UTC cannot hold (9999-12-31T23:59:59-01:00) is invalid."""
    try:
        return value.astimezone(UTC)
    except OverflowError as err:  # a ValueError, which pydantic reports as a field error
        raise ValueError("time is outside the range of UTC times") from err


class ClockQuality(StrEnum):
    """Whether the device clock was synchronised (NTP/GPS) when the item was taken."""

    SYNCED = "synced"
    UNSYNCED = "unsynced"


class BizStep(StrEnum):
    """GS1 CBV 2.0 business steps (bare words, as in EPCIS 2.0 JSON)."""

    ACCEPTING = "accepting"
    ARRIVING = "arriving"
    ASSEMBLING = "assembling"
    COLLECTING = "collecting"
    COMMISSIONING = "commissioning"
    CONSIGNING = "consigning"
    CREATING_CLASS_INSTANCE = "creating_class_instance"
    CYCLE_COUNTING = "cycle_counting"
    DECOMMISSIONING = "decommissioning"
    DEPARTING = "departing"
    DESTROYING = "destroying"
    DISASSEMBLING = "disassembling"
    DISPENSING = "dispensing"
    ENCODING = "encoding"
    ENTERING_EXITING = "entering_exiting"
    HOLDING = "holding"
    INSPECTING = "inspecting"
    INSTALLING = "installing"
    KILLING = "killing"
    LOADING = "loading"
    OTHER = "other"
    PACKING = "packing"
    PICKING = "picking"
    RECEIVING = "receiving"
    REMOVING = "removing"
    REPACKAGING = "repackaging"
    REPAIRING = "repairing"
    REPLACING = "replacing"
    RESERVING = "reserving"
    RETAIL_SELLING = "retail_selling"
    SAMPLING = "sampling"
    SENSOR_REPORTING = "sensor_reporting"
    SHIPPING = "shipping"
    STAGING_OUTBOUND = "staging_outbound"
    STOCK_TAKING = "stock_taking"
    STOCKING = "stocking"
    STORING = "storing"
    TRANSPORTING = "transporting"
    UNLOADING = "unloading"
    UNPACKING = "unpacking"
    VOID_SHIPPING = "void_shipping"


class DataCarrier(StrEnum):
    """How the code was read."""

    BARCODE = "barcode"
    RFID = "rfid"


class Quantity(StrEnum):
    """What a sensor measures."""

    TEMPERATURE = "temperature"
    RELATIVE_HUMIDITY = "relative_humidity"


@dataclass(frozen=True)
class QuantityKind:
    """What a quantity is measured in and which values of it are physically possible."""

    unit: str  # UN/CEFACT Rec. 20 code, as readings and EPCIS carry it
    symbol: str  # as people read it
    plausible: tuple[float, float]


QUANTITIES: dict[Quantity, QuantityKind] = {
    Quantity.TEMPERATURE: QuantityKind(unit="CEL", symbol="°C", plausible=(-273.15, 1000.0)),
    Quantity.RELATIVE_HUMIDITY: QuantityKind(unit="P1", symbol="%", plausible=(0.0, 100.0)),
}


IMPOSSIBLE_VALUE_ERROR = "impossible_value"


class ReadingQuality(StrEnum):
    """The reader's own verdict on a value (e.g. outside the transmitter's valid range)."""

    GOOD = "good"
    SUSPECT = "suspect"


class DeviceState(StrEnum):
    """Whether a device is running; `offline` is the retained last will."""

    ONLINE = "online"
    OFFLINE = "offline"


class _Model(BaseModel):
    # No float is infinite or NaN (JSON cannot carry them; 1e999 parses as infinity).
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=False, allow_inf_nan=False
    )


class ItemBase(_Model):
    """Fields every item carries: stable id, device time (UTC), clock quality, device sequence."""

    id: UUID
    device_time: AwareDatetime
    clock: ClockQuality
    seq: int = Field(
        ge=0, le=MAX_SEQ, description="Monotonic per-device sequence, independent of the clock"
    )

    @field_validator("device_time")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return to_utc(value)


class Gs1Identifiers(_Model):
    """GS1 keys and attributes parsed from a scanned code (element string, Digital Link or EPC)."""

    gtin: str | None = Field(default=None, pattern=r"^\d{14}$")
    lot: Cset82 | None = None
    serial: Cset82 | None = None
    sscc: str | None = Field(default=None, pattern=r"^\d{18}$")
    gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    expiry_date: date | None = None
    best_before_date: date | None = None
    production_date: date | None = None
    pack_date: date | None = None
    net_weight_kg: float | None = Field(default=None, ge=0)
    epc_uri: Text | None = Field(default=None, max_length=256)
    other: dict[Annotated[str, Field(pattern=r"^\d{2,4}$")], Text] = Field(
        default_factory=dict, description="Other GS1 AIs, by AI"
    )


class ScanEvent(ItemBase):
    """An observation of a code by a scanner, camera or RFID reader at a location."""

    kind: Literal["scan"] = "scan"
    reader: Name
    location: Name
    biz_step: BizStep
    carrier: DataCarrier = DataCarrier.BARCODE
    raw: Text = Field(min_length=1, max_length=4096, description="The code as read")
    symbology: Text | None = Field(default=None, max_length=32, description="AIM id, e.g. ]C1")
    gs1: Gs1Identifiers | None = Field(default=None, description="None when the code is not GS1")
    rssi: float | None = None
    antenna: int | None = Field(default=None, ge=0, le=MAX_INT32)
    read_count: int = Field(default=1, ge=1, le=MAX_INT32)
    first_seen: AwareDatetime | None = Field(
        default=None, description="RFID: first read of the tag in the collapse window"
    )
    last_seen: AwareDatetime | None = Field(
        default=None, description="RFID: last read of the tag in the collapse window"
    )


class SensorReading(ItemBase):
    """One sensor sample at a location."""

    kind: Literal["reading"] = "reading"
    sensor: Name
    location: Name
    quantity: Quantity
    value: float = Field(allow_inf_nan=False)
    unit: Text
    quality: ReadingQuality = ReadingQuality.GOOD

    @model_validator(mode="after")
    def _unit_and_range(self) -> "SensorReading":
        kind = QUANTITIES[self.quantity]
        expected = kind.unit
        if self.unit != expected:
            raise ValueError(
                f"unit for {self.quantity.value} must be {expected!r}, not {self.unit!r}"
            )
        low, high = kind.plausible
        if not low <= self.value <= high:
            raise PydanticCustomError(
                IMPOSSIBLE_VALUE_ERROR,
                "value {value} {unit} is physically impossible for {quantity} "
                "(allowed {low}..{high})",
                {
                    "value": self.value,
                    "unit": self.unit,
                    "quantity": self.quantity.value,
                    "low": low,
                    "high": high,
                },
            )
        return self


class ReaderHealth(_Model):
    """One reader's health as the agent sees it."""

    state: Literal["running", "restarting", "failed", "stopped"]
    restarts: int = Field(default=0, ge=0)
    errors: int = Field(default=0, ge=0)
    last_error: Text | None = Field(default=None, max_length=500)


class DeviceStatus(ItemBase):
    """A device heartbeat, or its retained last will when `state` is offline."""

    kind: Literal["status"] = "status"
    state: DeviceState
    version: Text = Field(default="", max_length=64)
    uptime_s: float = Field(default=0.0, ge=0)
    outbox_depth: int = Field(default=0, ge=0)
    outbox_capacity: int = Field(default=0, ge=0)
    outbox_drops: int = Field(default=0, ge=0)
    outbox_alarm: bool = False
    outbox_bytes: int = Field(default=0, ge=0, description="Bytes of the items in the outbox")
    outbox_max_bytes: int = Field(default=0, ge=0)
    outbox_unconfirmed: int = Field(
        default=0, ge=0, description="Items sent and awaiting the ingester's receipt"
    )
    outbox_refused: int = Field(
        default=0, ge=0, description="Items refused because the disk reached its floor"
    )
    readers: dict[str, ReaderHealth] = Field(default_factory=dict)


Item = Annotated[ScanEvent | SensorReading | DeviceStatus, Field(discriminator="kind")]
