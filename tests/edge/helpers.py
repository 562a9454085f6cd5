"""Reusable helpers for edge tests: device configs, a collecting subscriber, delivery checks."""

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
import yaml
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from contract import ContractError, DeviceStatus, ScanEvent, SensorReading, decode
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from edge.agent import Agent
    from edge.config import DeviceConfig

ROOT = Path(__file__).resolve().parents[2]


def scanner(name: str = "scanner", *, rate: float = 50.0, **extra: Any) -> dict[str, Any]:
    """A simulated scanner reader config, serialised labels of one batch."""
    return {
        "type": "simulated_scanner",
        "name": name,
        "location": "line",
        "biz_step": "packing",
        "rate_per_s": rate,
        "batches": [{"gtin": "09506000134352", "lot": "L1"}],
        **extra,
    }


def probe(name: str = "probe", *, interval: float = 0.02, **extra: Any) -> dict[str, Any]:
    """A simulated temperature reader config."""
    return {
        "type": "simulated_temperature",
        "name": name,
        "location": "line",
        "interval_s": interval,
        **extra,
    }


def device_config(
    *,
    mqtt_url: str,
    outbox: Path,
    readers: list[dict[str, Any]],
    device: str | None = None,
    **sections: Any,
) -> dict[str, Any]:
    """A device config document for tests (clock forced to synced, quick heartbeats)."""
    return {
        "site": "test-site",
        "device": device or f"dev-{uuid.uuid4().hex[:8]}",
        "locations": {"line": {"kind": "packing_line"}},
        "mqtt": {"url": mqtt_url, "reconnect_min_s": 0.1, "reconnect_max_s": 0.5},
        "outbox": {"path": str(outbox)},
        "status": {"heartbeat_s": 0.5},
        "clock": {"sync": "synced"},
        "readers": readers,
        **sections,
    }


def write_config(path: Path, document: dict[str, Any]) -> Path:
    """Write a config document as YAML and return its path."""
    path.write_text(yaml.safe_dump(document))
    return path


@dataclass
class Arrival:
    """One item as a subscriber saw it."""

    channel: str
    id: uuid.UUID
    seq: int
    source: str
    item: Any


@dataclass
class Collector:
    """A persistent-session MQTT subscriber that records every item of one device."""

    mqtt_url: str
    site: str
    device: str
    arrivals: list[Arrival] = field(default_factory=list)
    statuses: list[DeviceStatus] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"collector-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._client.reconnect_delay_set(0.1, 0.5)

    def __enter__(self) -> "Collector":
        parts = urlsplit(self.mqtt_url)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self._client.connect(
            parts.hostname or "", parts.port or 1883, clean_start=False, properties=properties
        )
        self._client.loop_start()
        assert self._subscribed.wait(10), "the collector could not subscribe"
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: paho.Client, *args: Any) -> None:
        client.subscribe(f"txng/v1/{self.site}/{self.device}/+", qos=1)

    def _on_message(self, client: paho.Client, userdata: Any, message: Any) -> None:
        if message.topic.endswith("/receipts"):
            return  # downlink: the ingester's receipts are not the device's items
        try:
            decoded = decode(message.topic, message.payload)
        except ContractError as err:
            with self._lock:
                self.rejected.append(str(err))
            return
        channel = decoded.topic.channel.value
        with self._lock:
            self.rejected.extend(str(r.error) for r in decoded.rejected)
            for item in decoded.items:
                if isinstance(item, DeviceStatus):
                    self.statuses.append(item)
                    continue
                source = item.reader if isinstance(item, ScanEvent) else item.sensor
                self.arrivals.append(Arrival(channel, item.id, item.seq, source, item))

    def snapshot(self) -> list[Arrival]:
        """The arrivals so far."""
        with self._lock:
            return list(self.arrivals)

    def online_count(self) -> int:
        """How many online statuses have arrived."""
        with self._lock:
            return sum(1 for status in self.statuses if status.state == "online")

    def seqs(self) -> set[int]:
        """The distinct sequence numbers received so far."""
        return {arrival.seq for arrival in self.snapshot()}

    def wait_until(self, predicate: Callable[["Collector"], bool], timeout: float = 30.0) -> None:
        """Wait until `predicate(self)` holds; fail the test after `timeout` seconds."""
        wait_for(lambda: predicate(self), timeout=timeout)

    def wait_for_seqs(self, count: int, timeout: float = 30.0) -> None:
        """Wait until sequence numbers 0..count-1 have all arrived."""
        try:
            self.wait_until(lambda c: c.seqs() >= set(range(count)), timeout)
        except AssertionError:
            missing = sorted(set(range(count)) - self.seqs())
            raise AssertionError(
                f"{len(missing)} of {count} never arrived: {missing[:20]}"
            ) from None


def check_exactly_once(arrivals: list[Arrival], produced: int) -> int:
    """Assert every item 0..produced-1 arrived with exactly one id; return wire duplicates."""
    ids_by_seq: dict[int, set[uuid.UUID]] = {}
    seqs_by_id: dict[uuid.UUID, set[int]] = {}
    for arrival in arrivals:
        ids_by_seq.setdefault(arrival.seq, set()).add(arrival.id)
        seqs_by_id.setdefault(arrival.id, set()).add(arrival.seq)
    missing = set(range(produced)) - set(ids_by_seq)
    assert not missing, f"{len(missing)} items never arrived, e.g. seq {sorted(missing)[:5]}"
    extra = set(ids_by_seq) - set(range(produced))
    assert not extra, f"items arrived that the outbox never took: seq {sorted(extra)[:5]}"
    twice = {seq: ids for seq, ids in ids_by_seq.items() if len(ids) > 1}
    assert not twice, f"items stored twice under different ids: {list(twice.items())[:3]}"
    assert all(len(seqs) == 1 for seqs in seqs_by_id.values()), "one id used for two items"
    return sum(Counter(a.id for a in arrivals).values()) - len(seqs_by_id)


def check_in_order_per_source(arrivals: list[Arrival]) -> None:
    """Assert that each reader's items first arrived in the order they were taken."""
    seen: set[uuid.UUID] = set()
    last: dict[str, int] = {}
    for arrival in arrivals:
        if arrival.id in seen:
            continue
        seen.add(arrival.id)
        assert arrival.seq > last.get(arrival.source, -1), f"{arrival.source} out of order"
        last[arrival.source] = arrival.seq


def outbox_counters(path: Path) -> dict[str, int]:
    """The outbox's persisted counters and depth, read while no agent runs."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        counters = dict(connection.execute("SELECT name, value FROM counter").fetchall())
        counters["depth"] = connection.execute("SELECT count(*) FROM item").fetchone()[0]
    return counters


def start_agent(config: Path, log: Path) -> "subprocess.Popen[bytes]":
    """`txng edge run CONFIG` as a real process, logging to `log`."""
    env = {**os.environ, "TXNG_LOG_LEVEL": "WARNING"}
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "txng.cli", "edge", "run", str(config)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=sink,
        )


def stop_agent(process: "subprocess.Popen[bytes]", *, kill: bool = False) -> int:
    """SIGKILL or SIGTERM the agent and reap it."""
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    return process.wait(timeout=20)


class Agents:
    """Edge agents a test starts (the `edge_agents` fixture kills any left after the test)."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, config: Path, log: Path) -> "subprocess.Popen[bytes]":
        """`txng edge run CONFIG` as a real process, logging to `log`."""
        self.started.append(start_agent(config, log))
        return self.started[-1]

    def start_online(
        self, config: Path, log: Path, collector: Collector, timeout: float = 20.0
    ) -> "subprocess.Popen[bytes]":
        """Start an agent and wait until its online status arrives."""
        before = collector.online_count()
        process = self.start(config, log)
        collector.wait_until(lambda c: c.online_count() > before, timeout)
        return process

    def kill_all(self) -> None:
        """SIGKILL every agent still running."""
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(20)


def is_scan(item: Any) -> bool:
    """Whether an arrived item is a scan event."""
    return isinstance(item, ScanEvent)


def is_reading(item: Any) -> bool:
    """Whether an arrived item is a sensor reading."""
    return isinstance(item, SensorReading)


@contextmanager
def running_agent(config: "DeviceConfig") -> Iterator["Agent"]:
    """An agent running in a thread of this process; stopped (cleanly) when the block ends."""
    import asyncio

    from edge.agent import Agent

    agent = Agent(config)
    thread = threading.Thread(target=asyncio.run, args=(agent.run(),), name="agent")
    thread.start()
    try:
        yield agent
    finally:
        agent.stop()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the agent did not stop"
