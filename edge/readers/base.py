"""The reader interface: configuration base, the context a reader gets, and the Reader class."""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contract import (
    BizStep,
    DataCarrier,
    Gs1Identifiers,
    Quantity,
    ReadingQuality,
    ScanEvent,
    SensorReading,
)
from contract.items import QUANTITIES, Name
from edge.clock import Clock

# Placeholder id and sequence of an item not yet in the outbox; the outbox assigns both.
PENDING_ID = UUID(int=0)
PENDING_SEQ = 0

TakenItem = ScanEvent | SensorReading


class ReaderConfigBase(BaseModel):
    """Fields every reader has: its name, its location and how long it may stay silent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    location: Name
    stall_timeout_s: float | None = Field(
        default=None, gt=0, description="Restart the reader when it yields nothing for this long"
    )


@dataclass(frozen=True)
class ReaderContext:
    """What a reader may use: the device clock."""

    clock: Clock

    def scan(
        self,
        *,
        reader: str,
        location: str,
        biz_step: BizStep,
        raw: str,
        symbology: str | None = None,
        gs1: Gs1Identifiers | None = None,
        carrier: DataCarrier = DataCarrier.BARCODE,
        at: datetime | None = None,
    ) -> ScanEvent:
        """A scan event taken now, or at `at` (a replay); the outbox assigns id and seq."""
        return ScanEvent(
            id=PENDING_ID,
            seq=PENDING_SEQ,
            device_time=at or self.clock.now(),
            clock=self.clock.quality(),
            reader=reader,
            location=location,
            biz_step=biz_step,
            carrier=carrier,
            raw=raw,
            symbology=symbology,
            gs1=gs1,
        )

    def reading(
        self,
        *,
        sensor: str,
        location: str,
        quantity: Quantity,
        value: float,
        quality: ReadingQuality = ReadingQuality.GOOD,
        at: datetime | None = None,
    ) -> SensorReading:
        """A sensor reading taken now, or at `at`; the outbox assigns id and seq."""
        return SensorReading(
            id=PENDING_ID,
            seq=PENDING_SEQ,
            device_time=at or self.clock.now(),
            clock=self.clock.quality(),
            sensor=sensor,
            location=location,
            quantity=quantity,
            value=value,
            unit=QUANTITIES[quantity].unit,
            quality=quality,
        )


ConfigT = TypeVar("ConfigT", bound=ReaderConfigBase)


class Reader(ABC, Generic[ConfigT]):
    """One input of a device. A fresh instance is made for every (re)start.

    `items()` is an async stream of contract items. A reader that must block (serial, Modbus)
    does so in a thread (`asyncio.to_thread`), never on the event loop.
    """

    def __init__(self, config: ConfigT, context: ReaderContext) -> None:
        self.config = config
        self.context = context

    async def start(self) -> None:
        """Open the device (default: nothing to open)."""

    async def stop(self) -> None:
        """Close the device (default: nothing to close)."""

    @abstractmethod
    def items(self) -> AsyncIterator[TakenItem]:
        """The items this reader takes, as they come."""


@dataclass(frozen=True)
class ReaderKind(Generic[ConfigT]):
    """One kind of reader, declared once beside its class (a module constant `KIND`).

    Its name is the `type` its configuration carries; `edge.readers.registry` builds the
    registry and the configuration union from every declaration in this package.
    """

    config: type[ConfigT]
    reader: Callable[[ConfigT, ReaderContext], Reader[ConfigT]]

    @property
    def name(self) -> str:
        """The configuration's `type` (the single value of its Literal)."""
        (name,) = get_args(self.config.model_fields["type"].annotation)
        return str(name)
