"""Simulated readers: a packing-line scanner of GS1-128 labels and a drifting cold-room probe."""

import math
import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contract import BizStep, Quantity, ReadingQuality, ScanEvent, SensorReading
from contract.items import Cset82
from edge.clock import Clock, ClockSync
from edge.readers.base import Reader, ReaderConfigBase, ReaderKind
from edge.readers.gs1 import gs1_identifiers

GS = "\x1d"  # FNC1 as a group separator, as scanners transmit it after variable-length AIs
_REAL_TIME = Clock(ClockSync.UNSYNCED)  # schedules only: its quality is never asked


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits in `body`."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1)
                for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


class SimulatedBatch(BaseModel):
    """One batch whose labels the simulated scanner reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gtin: str = Field(pattern=r"^\d{14}$")
    lot: Cset82
    expiry: date | None = None
    serialised: bool = True

    @field_validator("gtin")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        if gtin_check_digit(value[:-1]) != int(value[-1]):
            raise ValueError(f"GTIN {value} has a wrong check digit")
        return value


class SimulatedScannerConfig(ReaderConfigBase):
    """A scanner reading GS1-128 labels of the configured batches at a steady rate."""

    type: Literal["simulated_scanner"]
    biz_step: BizStep
    batches: list[SimulatedBatch] = Field(min_length=1)
    rate_per_s: float = Field(default=1.0, gt=0, le=1000)
    symbology: str = "]C1"
    seed: int | None = None


class SimulatedScanner(Reader[SimulatedScannerConfig]):
    """Yields one scan every 1/rate seconds, cycling through the batches."""

    def label(self, batch: SimulatedBatch, serial: int) -> str:
        """The GS1 element string printed on a label."""
        code = f"01{batch.gtin}"
        if batch.expiry is not None:
            code += f"17{batch.expiry:%y%m%d}"
        code += f"10{batch.lot}"
        if batch.serialised:
            code += f"{GS}21{serial}"
        return code

    async def items(self) -> AsyncIterator[ScanEvent]:
        """Scans at the configured rate."""
        config = self.config
        rng = random.Random(config.seed)
        serial = rng.randrange(1, 10**9)
        async for _ in ticks(1.0 / config.rate_per_s, self.context.clock):
            batch = config.batches[serial % len(config.batches)]
            raw = self.label(batch, serial)
            serial += 1
            yield self.context.scan(
                reader=config.name,
                location=config.location,
                biz_step=config.biz_step,
                raw=raw,
                symbology=config.symbology,
                gs1=gs1_identifiers(raw),
            )


class Window(BaseModel):
    """A span of time (seconds since the clock started), repeated every `every_s` when given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    every_s: float | None = Field(default=None, gt=0)

    def contains(self, t: float) -> bool:
        """Whether time `t` falls inside this window."""
        if t < self.after_s:
            return False
        offset = t - self.after_s
        if self.every_s is not None:
            offset %= self.every_s
        return offset < self.duration_s


class Excursion(Window):
    """A span in which the value is pushed away from the set point by `delta`."""

    delta: float


class SimulatedTemperatureConfig(ReaderConfigBase):
    """A probe drifting around a set point, with scheduled excursions and dropouts."""

    type: Literal["simulated_temperature"]
    quantity: Quantity = Quantity.TEMPERATURE
    set_point: float = 4.0
    drift: float = Field(default=0.5, ge=0, description="Amplitude of the slow drift")
    drift_period_s: float = Field(default=600.0, gt=0)
    noise: float = Field(default=0.05, ge=0)
    interval_s: float = Field(default=1.0, gt=0)
    excursions: list[Excursion] = Field(default_factory=list)
    dropouts: list[Window] = Field(default_factory=list)
    seed: int | None = None


class SimulatedTemperature(Reader[SimulatedTemperatureConfig]):
    """Yields one reading per interval, except while a dropout is scheduled."""

    def value_at(self, t: float, rng: random.Random) -> float:
        """The simulated value `t` seconds after start."""
        config = self.config
        value = config.set_point + config.drift * math.sin(2 * math.pi * t / config.drift_period_s)
        value += rng.gauss(0.0, config.noise) if config.noise else 0.0
        value += sum(excursion.delta for excursion in config.excursions if excursion.contains(t))
        return round(value, 3)

    async def items(self) -> AsyncIterator[SensorReading]:
        """Readings at the configured interval, stamped with the time each was due."""
        config = self.config
        rng = random.Random(config.seed)
        clock = self.context.clock
        async for due in ticks(config.interval_s, clock):
            t = clock.elapsed_s() - (clock.monotonic() - due)  # when it was due, not now
            if any(dropout.contains(t) for dropout in config.dropouts):
                continue
            yield self.context.reading(
                sensor=config.name,
                location=config.location,
                quantity=config.quantity,
                value=self.value_at(t, rng),
                quality=ReadingQuality.GOOD,
                at=clock.time_at(due),
            )


async def ticks(interval_s: float, clock: Clock | None = None) -> AsyncIterator[float]:
    """Yield at a steady interval of `clock`'s time (default: real) without drifting.

    Each tick is the `clock.monotonic()` time it was due. Ticks that were missed are skipped
    in real time, and made up for on a simulated clock (a simulation misses no reading).
    """
    clock = clock or _REAL_TIME
    # a simulation's schedule starts at its clock's origin, whenever the reader starts
    start = clock.monotonic() - clock.elapsed_s() if clock.simulated else clock.monotonic()
    count = 0
    while True:
        count += 1
        due = start + count * interval_s
        delay = due - clock.monotonic()
        if delay < 0 and not clock.simulated:
            count += int(-delay // interval_s)
            delay = 0.0
        await clock.sleep(delay)
        yield due


SCANNER_KIND = ReaderKind(SimulatedScannerConfig, SimulatedScanner)

TEMPERATURE_KIND = ReaderKind(SimulatedTemperatureConfig, SimulatedTemperature)
