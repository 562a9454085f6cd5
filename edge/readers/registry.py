"""Every reader type, by the `type` its configuration carries: adding a reader is one entry."""

from typing import Annotated, Any

from pydantic import Field

from edge.readers.base import Reader, ReaderConfigBase, ReaderContext
from edge.readers.simulated import (
    SimulatedScanner,
    SimulatedScannerConfig,
    SimulatedTemperature,
    SimulatedTemperatureConfig,
)

READERS: dict[str, type[Reader[Any]]] = {
    "simulated_scanner": SimulatedScanner,
    "simulated_temperature": SimulatedTemperature,
}

# The discriminated union of reader configurations; keep in step with READERS (a test checks).
ReaderConfig = Annotated[
    SimulatedScannerConfig | SimulatedTemperatureConfig,
    Field(discriminator="type"),
]


def create_reader(config: ReaderConfigBase, context: ReaderContext) -> Reader[Any]:
    """A new reader instance for `config`."""
    reader_type: str = getattr(config, "type")  # noqa: B009 - every concrete config has one
    return READERS[reader_type](config, context)
