"""DS18B20 through a temporary sysfs tree: good values, CRC failures, 85 °C and absence."""

import asyncio
from pathlib import Path

from contract import ReadingQuality, SensorReading
from edge.readers.onewire import OneWireConfig, OneWireSensor

from .helpers import CONTEXT, collect, run

SENSOR = "28-000005e2fdc3"
LINE1 = "72 01 4b 46 7f ff 0e 10 57 : crc=57 {verdict}\n"
LINE2 = "72 01 4b 46 7f ff 0e 10 57 t={milli}\n"


def write(base: Path, milli: int, verdict: str = "YES") -> None:
    path = base / SENSOR / "w1_slave"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LINE1.format(verdict=verdict) + LINE2.format(milli=milli))


def test_ds18b20_values_and_errors(tmp_path: Path) -> None:
    config = OneWireConfig.model_validate({
        "type": "onewire", "name": "probe", "location": "cold_room", "sensor_id": SENSOR,
        "base_dir": str(tmp_path), "interval_s": 0.05, "valid_max": 8.0,
    })
    reader = OneWireSensor(config, CONTEXT)

    async def script() -> None:
        await asyncio.sleep(0.15)
        write(tmp_path, 4000, "NO")  # CRC failed
        await asyncio.sleep(0.15)
        write(tmp_path, 85000)  # power-on value
        await asyncio.sleep(0.15)
        write(tmp_path, 12500)  # above the valid range: suspect

    write(tmp_path, 3125)
    items = run(collect(reader, 2, during=None))
    assert all(isinstance(i, SensorReading) and i.value == 3.125 for i in items)
    reader = OneWireSensor(config, CONTEXT)
    (tmp_path / SENSOR / "w1_slave").unlink()
    items = run(collect(reader, 1, during=script))
    (reading,) = items
    assert isinstance(reading, SensorReading) and reading.value == 12.5
    assert reading.quality is ReadingQuality.SUSPECT
    assert reader.counters["bad_reads"] >= 2 and reader.counters["absent"] >= 1
