"""A scripted scanner and a simulated probe on a scaled clock: a day of scans in real moments."""

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from contract import SensorReading
from edge.clock import ScaledClock
from edge.readers.base import ReaderContext
from edge.readers.scripted import ScriptedScanner, ScriptedScannerConfig
from edge.readers.simulated import SimulatedTemperature, SimulatedTemperatureConfig
from tests.edge.helpers import probe

START = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
BAG = "0108936012345018" + "10LN2026-08-01\x1d21LN-000001"
PALLET = "00389360123400000014" + "0208936012345018" + "3748\x1d10LN2026-08-01"


def _config(*scans: tuple[timedelta, str, str]) -> ScriptedScannerConfig:
    return ScriptedScannerConfig.model_validate(
        {
            "type": "scripted_scanner",
            "name": "line",
            "location": "packing-line-1",
            "scans": [
                {"at": (START + offset).isoformat(), "code": code, "biz_step": step}
                for offset, code, step in scans
            ],
        }
    )


async def _take(reader: ScriptedScanner | SimulatedTemperature, count: int) -> list[object]:
    stream = reader.items()
    return [await anext(stream) for _ in range(count)]


async def _take_timed(reader: ScriptedScanner, count: int) -> list[tuple[object, datetime]]:
    """Items with the time the reader's clock showed when each was handed over."""
    stream = reader.items()
    return [(await anext(stream), reader.context.clock.now()) for _ in range(count)]


def test_scans_come_at_their_scripted_times_on_a_fast_clock() -> None:
    config = _config(
        (timedelta(hours=7), BAG, "packing"),
        (timedelta(hours=7, minutes=1), PALLET, "packing"),
        (timedelta(hours=9), PALLET, "storing"),
    )
    clock = ScaledClock(START, speed=100_000.0)  # 9 hours in about a third of a second
    taken = asyncio.run(_take_timed(ScriptedScanner(config, ReaderContext(clock)), 3))
    scans = [scan for scan, _ in taken]
    assert [s.device_time for s in scans] == [scan.at for scan in config.scans]  # type: ignore[attr-defined]
    # each came when the device clock reached its time, not before
    assert all(shown >= scan.at for (_, shown), scan in zip(taken, config.scans, strict=True))  # type: ignore[attr-defined]
    assert clock.now() >= config.scans[-1].at
    bag, pallet, _ = (s.gs1 for s in scans)  # type: ignore[attr-defined]
    assert (bag.gtin, bag.lot, bag.serial) == ("08936012345018", "LN2026-08-01", "LN-000001")
    assert (pallet.sscc, pallet.lot, pallet.other["02"]) == (
        "389360123400000014",
        "LN2026-08-01",
        "08936012345018",
    )
    assert [s.biz_step.value for s in scans] == ["packing", "packing", "storing"]  # type: ignore[attr-defined]


def test_a_restarted_script_resumes_where_time_is() -> None:
    config = _config((timedelta(hours=1), BAG, "packing"), (timedelta(hours=3), PALLET, "storing"))
    clock = ScaledClock(START + timedelta(hours=2), speed=100_000.0)
    scans = asyncio.run(_take(ScriptedScanner(config, ReaderContext(clock)), 1))
    assert scans[0].device_time == START + timedelta(hours=3)  # type: ignore[attr-defined]


def test_scripts_must_be_in_time_order() -> None:
    with pytest.raises(ValidationError, match="time order"):
        _config((timedelta(hours=2), BAG, "packing"), (timedelta(hours=1), BAG, "packing"))


def test_a_probe_keeps_its_schedule_and_excursion_in_clock_time() -> None:
    config = SimulatedTemperatureConfig.model_validate(
        probe(
            interval=600.0,  # one reading per ten simulated minutes
            set_point=4.0,
            drift=0.0,
            noise=0.0,
            excursions=[{"after_s": 3 * 3600, "duration_s": 1800, "delta": 8.0}],
        )
    )
    clock = ScaledClock(START, speed=200_000.0)
    reader = SimulatedTemperature(config, ReaderContext(clock))
    readings = asyncio.run(_take(reader, 30))  # five simulated hours
    assert all(isinstance(r, SensorReading) for r in readings)
    times = [r.device_time for r in readings]  # type: ignore[attr-defined]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(599 < gap < 601 for gap in gaps), gaps
    hot = [r.device_time for r in readings if r.value > 10]  # type: ignore[attr-defined]
    assert hot and all(
        START + timedelta(hours=3) <= t <= START + timedelta(hours=3, minutes=31) for t in hot
    )
    assert reader.value_at(60, random.Random(1)) == 4.0


def test_a_scaled_clock_keeps_time_continuous_across_speed_changes() -> None:
    real = [100.0]  # the real, steady clock it scales, moved by hand
    clock = ScaledClock(START, speed=1_000.0, real=lambda: real[0])
    real[0] += 0.05
    before = clock.now()
    assert before - START == timedelta(seconds=50)
    clock.set_speed(1.0)
    assert clock.now() == before  # no jump
    real[0] += 0.5
    assert clock.now() - before == timedelta(seconds=0.5)
    with pytest.raises(ValueError, match="positive"):
        clock.set_speed(0)
