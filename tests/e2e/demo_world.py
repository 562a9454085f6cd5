"""The demo's story (txng/demo/story.py) replayed into a database without its devices.

The scenes' codes are parsed as the edge's scanners parse them and stored as the ingester
stores messages; each probe reads every PROBE_INTERVAL_S at its set point, with its door-open
excursions; then the derive worker derives everything, as `txng demo` would leave it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from contract import ClockQuality, ScanEvent, SensorReading, new_item_id
from edge.readers.gs1 import gs1_identifiers
from tests.cloud.api.seed import ingest
from tests.support.factory import message
from tests.support.sql import query
from txng.demo import story
from txng.demo.seed import seed


@dataclass(frozen=True)
class DemoWorld:
    """The database and the dried-longan batch's id."""

    url: str
    dried: int


def _scans() -> list[tuple[str, bytes]]:
    messages = []
    for seq, scene in enumerate(story.SCENES):
        for n, (at, code) in enumerate(scene.scans()):
            scan = ScanEvent(
                id=new_item_id(),
                device_time=at.astimezone(UTC),
                clock=ClockQuality.SYNCED,
                seq=seq * 1000 + n,
                reader=scene.reader,
                location=scene.location,
                biz_step=scene.biz_step,
                raw=code,
                gs1=gs1_identifiers(code),
            )
            messages.append(message([scan], site=scene.device[0], device=scene.device[1]))
    return messages


def _readings() -> list[tuple[str, bytes]]:
    messages = []
    step = timedelta(seconds=story.PROBE_INTERVAL_S)
    for probe in story.PROBES:
        batch: list[SensorReading] = []
        at, seq = story.START, 0
        while at <= story.END:
            value = probe.set_point
            for start, minutes, rise in probe.excursions:
                if start <= at < start + timedelta(minutes=minutes):
                    value += rise
            batch.append(
                SensorReading(
                    id=new_item_id(),
                    device_time=at.astimezone(UTC),
                    clock=ClockQuality.SYNCED,
                    seq=seq,
                    sensor=probe.name,
                    location=probe.location,
                    quantity="temperature",
                    value=value,
                    unit="CEL",
                )
            )
            at, seq = at + step, seq + 1
        for i in range(0, len(batch), 200):
            messages.append(
                message(batch[i : i + 200], site=probe.device[0], device=probe.device[1])
            )
    return messages


def door_open_readings() -> list[tuple[str, bytes]]:
    """Readings every 10 minutes through the door-open excursion (the probe logs every 30)."""
    start, minutes, rise = story.DOOR_OPEN
    probe = story.PROBES[0]
    readings = [
        SensorReading(
            id=new_item_id(),
            device_time=(start + timedelta(minutes=m)).astimezone(UTC),
            clock=ClockQuality.SYNCED,
            seq=100_000 + m,
            sensor=probe.name,
            location=probe.location,
            quantity="temperature",
            value=probe.set_point + (rise if m < minutes else 0.0),
            unit="CEL",
        )
        for m in range(5, minutes + 10, 10)
    ]
    return [message(readings, site=probe.device[0], device=probe.device[1])]


def seed_demo(url: str) -> DemoWorld:
    """The example master data as the demo imports it, its story's scans and readings."""
    devices = sorted({scene.device for scene in story.SCENES} | {p.device for p in story.PROBES})
    seed(url, devices, destination="national-portal")
    database = Database(url, max_connections=2)
    try:
        ingest(database, _scans() + _readings() + door_open_readings(), datetime.now(UTC))
        worker = DeriveWorker(database, batch_size=100)
        for _ in range(1000):
            if not worker.run_once():
                break
    finally:
        database.close()
    dried = query(url, "SELECT id FROM batches WHERE lot = %s", (story.DRIED[1],))[0][0]
    return DemoWorld(url, dried)
