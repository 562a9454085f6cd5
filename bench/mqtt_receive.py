"""The ingester's MQTT receive path alone: CPU per QoS 1 message, MQTT 5 against MQTT 3.1.1.

txng's own `MqttSource` (the ingester's paho client, manual acknowledgements, its bounded
queue) subscribes to a real Mosquitto; four raw publisher processes (bench/_raw_mqtt.py: MQTT
3.1.1, packets built before the run) send `--messages` QoS 1 PUBLISHes of `--size` random
bytes on readings topics; one consumer thread takes each message from the queue and
acknowledges it, as the ingester's writer does after its commit. Nothing is decoded or stored:
this is the floor under every message the ingester receives, valid or hostile.

Per protocol: the process's CPU per message, the consumer thread's (queue and acknowledgement)
and the rest (paho's network thread: packet reading, PUBLISH decoding, the callback, writing
the PUBACKs). The ratio of 3.1.1 to 5 is measured in the same run. TXNG_MQTT_URL is used when
set (its broker must allow anonymous publishers), else a private Mosquitto with the project's
development configuration. Last line: one JSON object.
"""

import argparse
import json
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._raw_mqtt import RawPublisher
from bench._services import Mosquitto
from cloud.ingest.mqtt_source import InboundMessage, MqttSource
from cloud.settings.ingest import load_ingest_settings
from plumbing.mqtt_url import MqttEndpoint

PUBLISHERS = 4


def log(text: str) -> None:
    """Progress on stderr (stdout's last line is the result)."""
    print(f"[mqtt-receive] {text}", file=sys.stderr, flush=True)


def publish(url: str, count: int, size: int, k: int) -> None:
    """One raw publisher: `count` QoS 1 messages of `size` random bytes."""
    publisher = RawPublisher(MqttEndpoint.parse(url), f"bench-recv-pub-{k}-{uuid.uuid4().hex[:6]}")
    topic = f"txng/v1/site-bench/pi-recv-{k}/readings"
    packets = publisher.packets([(topic, os.urandom(size)) for _ in range(count)])
    publisher.send(packets)
    publisher.close()


def measure(url: str, protocol: str, messages: int, size: int) -> dict[str, Any]:
    """Receive `messages` through MqttSource with `protocol`; CPU per message by part."""
    settings = load_ingest_settings(
        database_url="postgresql://unused@127.0.0.1/unused",
        mqtt_url=url,
        mqtt_protocol=protocol,
        ingest_client_id=f"bench-recv-{uuid.uuid4().hex[:8]}",
        ingest_metrics_port=0,
        ingest_session_expiry_s=0,
    )
    inbox: queue.Queue[InboundMessage] = queue.Queue(settings.ingest_queue_size)
    source = MqttSource(settings, inbox)
    source.start()
    if not source.subscribed.wait(10):
        raise SystemExit("the receiver did not subscribe")
    per_publisher = messages // PUBLISHERS
    total = per_publisher * PUBLISHERS
    consumer_cpu = [0.0]

    def consume() -> None:
        started = time.thread_time()
        for _ in range(total):
            source.ack(inbox.get())
        consumer_cpu[0] = time.thread_time() - started

    consumer = threading.Thread(target=consume, name="consumer")
    consumer.start()
    cpu_start, wall_start = time.process_time(), time.monotonic()
    publishers = [
        mp.Process(target=publish, args=(url, per_publisher, size, k)) for k in range(PUBLISHERS)
    ]
    for process in publishers:
        process.start()
    consumer.join()
    for process in publishers:
        process.join()
    cpu, wall = time.process_time() - cpu_start, time.monotonic() - wall_start
    source.stop()
    # An MQTT 3.1.1 persistent session never expires: a clean-session connection with the same
    # client id ends it (an MQTT 5 one ended at the disconnect, with a session expiry of 0).
    RawPublisher(MqttEndpoint.parse(url), settings.ingest_client_id).close()
    process_us, consumer_us = cpu * 1e6 / total, consumer_cpu[0] * 1e6 / total
    return {
        "messages": total,
        "wall_s": round(wall, 3),
        "process_us_per_message": round(process_us, 1),
        "queue_and_ack_us_per_message": round(consumer_us, 1),
        "receive_us_per_message": round(process_us - consumer_us, 1),
    }


def main() -> int:
    """Measure both protocols (MQTT 5 first, as txng runs by default) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40_000)
    parser.add_argument("--size", type=int, default=300, help="payload bytes")
    args = parser.parse_args()
    given = os.environ.get("TXNG_MQTT_URL")
    load_before = round(os.getloadavg()[0], 2)
    results: dict[str, dict[str, Any]] = {}
    with Mosquitto() if given is None else _Given(given) as broker:
        for protocol in ("5", "3.1.1"):
            results[protocol] = measure(broker.url, protocol, args.messages, args.size)
            log(f"MQTT {protocol}: {results[protocol]}")
    v5, v311 = results["5"], results["3.1.1"]
    print(
        json.dumps(
            {
                "mqtt5": v5,
                "mqtt311": v311,
                "receive_us_per_message_mqtt5": v5["receive_us_per_message"],
                "receive_us_per_message_mqtt311": v311["receive_us_per_message"],
                "mqtt311_vs_mqtt5_receive": round(
                    v311["receive_us_per_message"] / v5["receive_us_per_message"], 3
                ),
                "payload_bytes": args.size,
                "loadavg_before": load_before,
            }
        )
    )
    return 0


class _Given:
    """A broker given by URL (nothing to start or stop)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> "_Given":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
