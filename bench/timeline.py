"""Timeline benchmark: one batch's timeline on a month of minute readings, and alert latency.

Data: 1,000 batches (received, stored in one of 200 cold rooms for 3-25 days, packed into a
unit, shipped), 200 sensors with one reading a minute for 30 days (8.64 M readings, COPY'd in
with the readings' indexes dropped and rebuilt after, and the five-minute rollups that the
derive worker keeps for live data rebuilt from them; if the COPY budget runs out, fewer
sensors are loaded and `readings` says how many readings there are). A database that holds
this dataset from an earlier run (of this bench or bench/api.py) is reused as it is
(`reused_data`; the size options are then unused); each run stores its own alert rooms.

1. timeline: batch_timeline(batch, points=500) for many batches: wall time per call, and this
   process's CPU per call (timeline_cpu_ms_*: Python's share; the database backend's is not in it).
2. alert latency: a running in-process ingester (MQTT, derive worker); for each of several
   rooms holding a batch, readings leave 2-8 °C for nearly 10 minutes, then the reading that
   makes the excursion 10 minutes long (the profile's single-excursion limit) is published;
   latency is from that publish to the alert row being visible to another connection.

Reads TXNG_DATABASE_URL / TXNG_MQTT_URL when set, else makes a throwaway database on
postgresql://postgres@127.0.0.1:5432/postgres and starts its own Mosquitto. The last stdout line
is one JSON object.
"""

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt
import psycopg2
from paho.mqtt.enums import CallbackAPIVersion

from bench import _timeline_data as data
from bench._services import (
    DEFAULT_ADMIN_URL,
    Mosquitto,
    ThrowawayDatabase,
    percentile,
    register_devices,
)
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.ingest.service import Ingester
from cloud.settings.ingest import load_ingest_settings
from cloud.trace.timeline import batch_timeline
from contract import Channel, ClockQuality, Envelope, SensorReading, Topic, encode
from plumbing.mqtt_url import MqttEndpoint

ALERT_DEVICE = "pi-alert"


def log(text: str) -> None:
    print(f"[timeline-bench] {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def services() -> Iterator[tuple[str, str]]:
    with contextlib.ExitStack() as stack:
        db_url = os.environ.get("TXNG_DATABASE_URL")
        if not db_url:
            db_url = stack.enter_context(ThrowawayDatabase(DEFAULT_ADMIN_URL, "txng_tl")).url
        mqtt_url = os.environ.get("TXNG_MQTT_URL") or stack.enter_context(Mosquitto()).url
        yield db_url, mqtt_url


def alert_rooms(tag: str, rooms: int) -> list[str]:
    """This run's alert rooms (rooms without bulk readings)."""
    return [f"alert-room-{tag}-{j}" for j in range(rooms)]


def alert_rooms_scans(tag: str, rooms: int, at: datetime) -> list[data.Received]:
    """A batch of this run stored in each of its alert rooms."""
    now = datetime.now(UTC)
    return [
        data.Received(
            data.SITE,
            "pi-dock",
            now,
            data._scan(0, at, room, "storing", gtin=data.GTIN, lot=f"A{tag}-{j}"),
        )
        for j, room in enumerate(alert_rooms(tag, rooms))
    ]


def _reading(seq: int, at: datetime, location: str, value: float) -> SensorReading:
    return SensorReading(
        id=uuid.uuid4(),
        device_time=at,
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor="probe-a",
        location=location,
        quantity="temperature",
        value=value,
        unit="CEL",
    )


class Publisher:
    """One paho connection that publishes an envelope with QoS 1 and waits for the PUBACK."""

    def __init__(self, url: str):
        endpoint = MqttEndpoint.parse(url)
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
        )
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()
        self._seq = 0

    def send(self, readings: list[SensorReading]) -> float:
        topic = str(Topic(data.SITE, ALERT_DEVICE, Channel.READINGS))
        payload = encode(Envelope(site=data.SITE, device=ALERT_DEVICE, items=readings))
        sent = time.time()
        self._client.publish(topic, payload, qos=1).wait_for_publish(10)
        return sent

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def measure_alerts(db_url: str, mqtt_url: str, rooms: list[str], start: datetime) -> list[float]:
    ingester = Ingester(
        load_ingest_settings(
            database_url=db_url,
            mqtt_url=mqtt_url,
            ingest_client_id=f"bench-tl-{uuid.uuid4().hex[:6]}",
            ingest_metrics_port=0,
            log_level="WARNING",
        )
    )
    ingester.start()
    ingester.source.subscribed.wait(10)
    publisher = Publisher(mqtt_url)
    watcher = psycopg2.connect(db_url)
    watcher.autocommit = True
    latencies = []
    seq = 0
    try:
        for location in rooms:
            warm = [
                _reading(seq + m, start + timedelta(minutes=m), location, 4.0 if m < 5 else 10.0)
                for m in range(15)
            ]
            seq += 15
            publisher.send(warm)
            time.sleep(1.0)  # let the worker evaluate the 9-minute excursion (no alert yet)
            last = _reading(seq, start + timedelta(minutes=15), location, 10.0)
            seq += 1
            sent = publisher.send([last])
            deadline = sent + 30
            with watcher.cursor() as cur:
                while time.time() < deadline:
                    cur.execute(
                        "SELECT 1 FROM alerts WHERE location = %s AND kind LIKE 'excursion%%'",
                        (location,),
                    )
                    if cur.fetchone():
                        latencies.append((time.time() - sent) * 1000)
                        break
                    time.sleep(0.002)
                else:
                    log(f"no alert for {location} within 30 s")
    finally:
        publisher.close()
        watcher.close()
        ingester.stop()
    return latencies


def run(args: argparse.Namespace, db_url: str, mqtt_url: str) -> dict[str, object]:
    began = time.monotonic()
    migrate(db_url)
    dataset = data.ensure_dataset(
        db_url,
        sensors=args.sensors,
        batch_count=args.batches,
        days=args.days,
        budget_s=args.copy_budget_s,
    )
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    tag = uuid.uuid4().hex[:6]  # this run's alert rooms and batches: none from an earlier run
    data.store_scans(db_url, alert_rooms_scans(tag, args.alert_rooms, end - timedelta(days=1)))
    # An approved device: a pending one's readings are held apart (quarantine) and raise no
    # alert, which left alert_excursions at 0 since devices need approving.
    register_devices(db_url, [(data.SITE, ALERT_DEVICE)])

    database = Database(db_url, max_connections=1)
    try:
        ids = list(dataset.batch_ids)
        random.Random(7).shuffle(ids)
        sample = ids[: args.timelines]
        for batch_id in sample[:5]:  # warm the cache as a running API would be
            batch_timeline(database, batch_id, points=500)
        times = []
        cpu = []  # this process's CPU per call (the database backend's is not in it)
        points = []
        for batch_id in sample:
            t, c = time.perf_counter(), time.thread_time()
            timeline = batch_timeline(database, batch_id, points=500)
            cpu.append((time.thread_time() - c) * 1000)
            times.append((time.perf_counter() - t) * 1000)
            assert timeline is not None
            points.append(len(timeline.series))
    finally:
        database.close()
    log(f"{len(times)} timelines, {statistics.mean(points):.0f} series points on average")
    latencies = measure_alerts(
        db_url, mqtt_url, alert_rooms(tag, args.alert_rooms), end + timedelta(minutes=5)
    )
    log(f"total {time.monotonic() - began:.1f} s")
    return {
        "readings": dataset.readings,
        "batches": len(dataset.batch_ids),
        "reused_data": dataset.reused,
        "timelines": len(times),
        "timeline_ms_p50": round(statistics.median(times), 1),
        "timeline_ms_p95": round(percentile(times, 0.95), 1),
        "timeline_cpu_ms_p50": round(statistics.median(cpu), 2),
        "timeline_cpu_ms_mean": round(statistics.mean(cpu), 2),
        "alert_excursions": len(latencies),
        "alert_latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
        "alert_latency_ms_p95": round(percentile(latencies, 0.95), 1) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--timelines", type=int, default=200)
    parser.add_argument("--alert-rooms", type=int, default=12)
    parser.add_argument("--copy-budget-s", type=float, default=150.0)
    args = parser.parse_args()
    with services() as (db_url, mqtt_url):
        result = run(args, db_url, mqtt_url)
    print(json.dumps(result))
    if result["alert_excursions"] != args.alert_rooms:  # a figure of fewer is no figure
        log(f"{result['alert_excursions']} of {args.alert_rooms} excursions raised an alert")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
