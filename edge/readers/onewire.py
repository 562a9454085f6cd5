"""DS18B20 1-Wire probes through the Linux w1_therm sysfs interface."""

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from contract import Quantity, ReadingQuality, SensorReading
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.protocols.w1 import W1Error, parse_w1_slave
from edge.readers.simulated import ticks

logger = logging.getLogger(__name__)


class OneWireConfig(ReaderConfigBase):
    """One DS18B20 by its 1-Wire id (28-…), read from `base_dir`."""

    type: Literal["onewire"]
    sensor_id: str = Field(pattern=r"^28-[0-9a-f]{12}$")
    base_dir: Path = Path("/sys/bus/w1/devices")
    interval_s: float = Field(default=10.0, gt=0)
    valid_min: float | None = None
    valid_max: float | None = None


class OneWireSensor(Reader[OneWireConfig]):
    """A reading per interval; CRC failures, the 85 °C reset value and absences are counted."""

    def __init__(self, config: OneWireConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()

    def _read(self) -> float | None:
        path = self.config.base_dir / self.config.sensor_id / "w1_slave"
        try:
            return parse_w1_slave(path.read_text(encoding="ascii", errors="replace"))
        except OSError as err:
            self.counters["absent"] += 1
            logger.warning("1-wire %s: cannot read %s: %s", self.config.name, path, err.strerror)
        except W1Error as err:
            self.counters["bad_reads"] += 1
            logger.warning("1-wire %s: %s", self.config.name, err)
        return None

    async def items(self) -> AsyncIterator[SensorReading]:
        """Readings at the configured interval."""
        config = self.config
        async for _ in ticks(config.interval_s):
            value = await asyncio.to_thread(self._read)
            if value is None:
                continue
            suspect = (config.valid_min is not None and value < config.valid_min) or (
                config.valid_max is not None and value > config.valid_max)
            if suspect:
                self.counters["out_of_range"] += 1
            yield self.context.reading(
                sensor=config.name, location=config.location, quantity=Quantity.TEMPERATURE,
                value=value, quality=ReadingQuality.SUSPECT if suspect else ReadingQuality.GOOD,
            )


KIND = ReaderKind(OneWireConfig, OneWireSensor)
