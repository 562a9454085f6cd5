"""Simulated readers: GS1-128 labels parse back to their batch; probe schedules hold."""

import asyncio
import random

from contract import ClockQuality
from edge.clock import Clock, ClockSync, kernel_clock_synced
from edge.readers.base import ReaderContext
from edge.readers.simulated import (
    SimulatedScanner,
    SimulatedScannerConfig,
    SimulatedTemperature,
    SimulatedTemperatureConfig,
)
from tests.edge.helpers import probe, scanner

CONTEXT = ReaderContext(Clock(ClockSync.UNSYNCED))


def test_scanner_labels_carry_their_batch() -> None:
    config = SimulatedScannerConfig.model_validate(
        scanner(rate=500, batches=[{"gtin": "09506000134352", "lot": "TOM-1",
                                    "expiry": "2026-08-31"}])
    )

    async def take() -> list[object]:
        reader = SimulatedScanner(config, CONTEXT)
        stream = reader.items()
        return [await anext(stream) for _ in range(3)]

    scans = asyncio.run(take())
    serials = [scan.gs1.serial for scan in scans]  # type: ignore[attr-defined]
    assert [int(s) for s in serials] == list(range(int(serials[0]), int(serials[0]) + 3))
    gs1 = scans[0].gs1  # type: ignore[attr-defined]
    assert (gs1.gtin, gs1.lot, str(gs1.expiry_date)) == ("09506000134352", "TOM-1", "2026-08-31")
    assert scans[0].clock is ClockQuality.UNSYNCED  # type: ignore[attr-defined]


def test_probe_excursions_and_dropouts() -> None:
    config = SimulatedTemperatureConfig.model_validate(probe(
        set_point=4.0, noise=0.0, drift=0.0,
        excursions=[{"after_s": 10, "duration_s": 5, "every_s": 100, "delta": 6.0}],
        dropouts=[{"after_s": 50, "duration_s": 5}],
    ))
    reader = SimulatedTemperature(config, CONTEXT)
    rng = random.Random(1)
    assert reader.value_at(5, rng) == 4.0
    assert reader.value_at(12, rng) == 10.0
    assert reader.value_at(112, rng) == 10.0
    assert config.dropouts[0].contains(52) and not config.dropouts[0].contains(56)


def test_clock_quality() -> None:
    assert kernel_clock_synced() in (True, False, None)
    assert Clock(ClockSync.SYNCED).quality() is ClockQuality.SYNCED
    assert Clock(ClockSync.UNSYNCED).quality() is ClockQuality.UNSYNCED
