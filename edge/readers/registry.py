"""Every reader type, by the `type` its configuration carries: adding a reader is one entry."""

from typing import Annotated, Any

from pydantic import Field

from edge.readers.base import Reader, ReaderConfigBase, ReaderContext
from edge.readers.camera import Camera, CameraConfig
from edge.readers.hid_scanner import HidScanner, HidScannerConfig
from edge.readers.modbus_sensor import ModbusSensor, ModbusSensorConfig
from edge.readers.onewire import OneWireConfig, OneWireSensor
from edge.readers.rfid import RfidReader, RfidReaderConfig
from edge.readers.scripted import ScriptedScanner, ScriptedScannerConfig
from edge.readers.serial_scanner import SerialScanner, SerialScannerConfig
from edge.readers.simulated import (
    SimulatedScanner,
    SimulatedScannerConfig,
    SimulatedTemperature,
    SimulatedTemperatureConfig,
)

READERS: dict[str, type[Reader[Any]]] = {
    "simulated_scanner": SimulatedScanner,
    "simulated_temperature": SimulatedTemperature,
    "scripted_scanner": ScriptedScanner,
    "serial_scanner": SerialScanner,
    "hid_scanner": HidScanner,
    "camera": Camera,
    "rfid": RfidReader,
    "modbus": ModbusSensor,
    "onewire": OneWireSensor,
}

# The discriminated union of reader configurations; keep in step with READERS (a test checks).
ReaderConfig = Annotated[
    SimulatedScannerConfig
    | SimulatedTemperatureConfig
    | ScriptedScannerConfig
    | SerialScannerConfig
    | HidScannerConfig
    | CameraConfig
    | RfidReaderConfig
    | ModbusSensorConfig
    | OneWireConfig,
    Field(discriminator="type"),
]


def create_reader(config: ReaderConfigBase, context: ReaderContext) -> Reader[Any]:
    """A new reader instance for `config`."""
    reader_type: str = getattr(config, "type")  # noqa: B009 - every concrete config has one
    return READERS[reader_type](config, context)
