"""Hostile-input soak: one real `txng cloud ingest` under 100,000 hostile payloads.

Several devices (publisher processes) send valid envelopes of readings to Mosquitto and one
`txng cloud ingest` process stores them, twice with the same volume:

1. alone: the devices send only their valid envelopes;
2. under attack: the devices send as many valid envelopes again (new ids), each followed by
   its share of the hostile payloads, so that the attack runs from the first good message to
   the last.

The devices are bench/_raw_mqtt.py publishers (MQTT 3.1.1, QoS 1, at most 100 unacknowledged
each, packets encoded before the phase): with paho they spent about 100 us of CPU per message,
on the same cores as the ingester, and the attack phase has six times the messages. Their CPU
is reported with the others' (`cpu_s` of each phase).

Good throughput is good readings stored per second, from the first PUBLISH of the phase to
the moment the ingester's own counter (`/metrics`, polled every 0.1 s) reaches the phase's
total; the ratio of the two phases is the figure that matters (the same run, the same
machine). Hostile payloads are built here by hand, never by the contract's encoder or decoder,
and each is message-level invalid by construction, so that each must end as exactly one dead
letter: random bytes, truncated envelopes, invalid UTF-8 spliced in, envelope fields with the
wrong value or type, nesting bombs (17 to 20,000 levels), NaN, Infinity and 10,000-digit
numbers, valid JSON of the wrong type, valid envelopes on another device's topic, topics
with invalid identifiers, and payloads over 256 KiB. Every payload carries something unique
(a random id or a per-message time), because identical dead letters are stored once.

At the end the database is checked: every good reading stored exactly once, no reading from a
hostile payload, one dead letter per hostile payload. The ingester's worker restarts come
from its /metrics; process exits are counted (the ingester is restarted if it dies). The exit
status is 1 when any of these fails; the throughput goal (under attack at least half of
alone) is reported (`throughput_goal_met`), with each phase's mean queue depth and the
writer's time in storage (`store_s`), which tell where the time went, and the best ratio the
phase's measured CPU allows (`ratio_ceiling_from_cpu`: the alone phase's time over the attack's
CPU of ingester, broker, devices and the database's backends spread over every core).

Last line: {"hostile_payloads", "good_items_sent", "good_items_stored", "dead_letters",
"worker_restarts", "process_exits", "good_items_per_s_under_attack", "good_items_per_s_alone",
...}. TXNG_DATABASE_URL (an admin URL: a throwaway database is made on its server) and
TXNG_MQTT_URL are used when set; otherwise a local PostgreSQL and a private Mosquitto.
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2

from bench._raw_mqtt import RawPublisher
from bench._services import (
    DEFAULT_ADMIN_URL,
    REPO,
    CpuMeter,
    Mosquitto,
    ThrowawayDatabase,
    free_port,
    register_devices,
    wait_port,
)
from bench.ingest import SITE, Spec, collect, envelopes, metrics
from cloud.db.migrate import migrate
from plumbing.mqtt_url import MqttEndpoint

MAX_MESSAGE_BYTES = 256 * 1024  # the contract's limit, as the README states it
INVALID_UTF8 = (b"\xff", b"\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80")
KINDS = {  # kind → weight
    "random_bytes": 25.0,
    "truncated_envelope": 10.0,
    "invalid_utf8": 10.0,
    "bad_envelope_field": 15.0,
    "nesting_bomb": 15.0,
    "odd_number": 8.0,
    "wrong_json_type": 6.8,
    "wrong_topic": 10.0,
    "oversized": 0.2,
}


def log(text: str) -> None:
    """Progress on stderr, so that stdout stays for results."""
    print(f"[hostile {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Hostile:
    """Hostile payloads for publisher k, from a seeded generator (the same every run)."""

    def __init__(self, seed: int, k: int):
        self.rng = random.Random(seed * 7919 + k)
        self.k = k
        self.device = f"pi-bench-{k:02d}"
        self.topic = f"txng/v1/{SITE}/{self.device}/readings"
        self.count = 0

    def _envelope(self, device: str, *, items: int = 3) -> bytes:
        """A valid-looking envelope written by hand, starting with a unique time."""
        self.count += 1
        sent_at = f"2026-01-01T00:00:00.{self.count:06d}Z"
        body = ",".join(
            f'{{"id":"{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",'
            f'"device_time":"2026-01-01T00:00:{n:02d}Z","clock":"synced","seq":{n},'
            f'"kind":"reading","sensor":"probe-{n}","location":"cold-room-1",'
            f'"quantity":"temperature","value":{self.rng.uniform(-5, 10):.2f},"unit":"CEL"}}'
            for n in range(items)
        )
        return (
            f'{{"sent_at":"{sent_at}","v":1,"site":"{SITE}","device":"{device}","items":[{body}]}}'
        ).encode()

    def _evil(self) -> bytes:
        return self._envelope(f"evil-{self.k:02d}")

    def payload(self, kind: str) -> tuple[str, bytes]:
        """One hostile (topic, payload) of `kind`."""
        rng, topic = self.rng, self.topic
        if kind == "random_bytes":
            return topic, rng.randbytes(rng.randint(16, 2048))
        if kind == "truncated_envelope":
            whole = self._evil()
            return topic, whole[: rng.randint(40, len(whole) - 1)]
        if kind == "invalid_utf8":
            whole = self._evil()
            at = rng.randint(0, len(whole))
            return topic, whole[:at] + rng.choice(INVALID_UTF8) + whole[at:]
        if kind == "bad_envelope_field":
            whole = self._evil().decode()
            field, value = rng.choice(
                [
                    ('"v":1', '"v":2'),
                    ('"v":1', '"v":"1"'),
                    ('"v":1', '"v":[1]'),
                    ('"v":1', '"v":null'),
                    ('"items":[', '"items":{"x":['),
                    ('"items":[', '"evil":1,"items":['),
                    ('"sent_at":"', '"sent_at":"not a time '),
                    (f'"device":"evil-{self.k:02d}"', f'"device":["evil-{self.k:02d}"]'),
                ]
            )
            if value.startswith('"items":{'):
                whole = whole[:-1] + "}}"
            return topic, whole.replace(field, value, 1).encode()
        if kind == "nesting_bomb":
            depth = int(17 * (20_000 / 17) ** rng.random())  # log-uniform in 17..20,000
            opening, closing = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
            inner = opening * depth + (closing * depth if rng.random() < 0.5 else b"")
            head = self._evil().split(b'"items":', 1)[0]
            return topic, head + b'"items":' + inner + b"}"
        if kind == "odd_number":
            whole = self._evil()
            value = rng.choice([b"NaN", b"Infinity", b"-Infinity", b"9" * 10_000, b"1" * 5000])
            at = whole.index(b'"value":') + len(b'"value":')
            end = whole.index(b",", at)
            return topic, whole[:at] + value + whole[end:]
        if kind == "wrong_json_type":
            nonce = uuid.UUID(int=rng.getrandbits(128), version=4)
            return topic, rng.choice(
                [
                    f'"{nonce}"',
                    f'["{nonce}", 1, 2]',
                    f"{rng.getrandbits(60)}",
                    f'[{{"v": "{nonce}"}}]',
                ]
            ).encode()
        if kind == "wrong_topic":
            if rng.random() < 0.5:  # a valid envelope of another device, on this device's topic
                return topic, self._evil()
            return f"txng/v1/{SITE}/evil {self.k}!/readings", self._evil()
        if kind == "oversized":
            head = self._evil()[:-1]
            pad = b"x" * (MAX_MESSAGE_BYTES + 1 - len(head) + rng.randint(0, 1000))
            return topic, head + b',"pad":"' + pad + b'"}'
        raise ValueError(kind)

    def payloads(self, count: int) -> list[tuple[str, bytes, str]]:
        """`count` hostile payloads with their kinds, the kinds drawn by weight."""
        kinds = self.rng.choices(list(KINDS), weights=list(KINDS.values()), k=count)
        return [(*self.payload(kind), kind) for kind in kinds]


def interleave(good: list[tuple[str, bytes]], hostile: list[tuple[str, bytes]]) -> list[Any]:
    """The good messages, each followed by an even share of the hostile ones."""
    out: list[Any] = []
    for n, message in enumerate(good):
        out.append(message)
        out.extend(hostile[n * len(hostile) // len(good) : (n + 1) * len(hostile) // len(good)])
    return out


def publisher(
    alone: Spec, attack: Spec, k: int, hostile: int, url: str, gates: list[Any], results: Any
) -> None:
    """Build device k's messages, then send one phase per gate."""
    generator = Hostile(attack.run_seed, k)
    bad = generator.payloads(hostile)
    results.put(("kinds", k, [kind for _, _, kind in bad]))
    phases = [
        envelopes(alone, k),
        interleave(envelopes(attack, k), [(topic, payload) for topic, payload, _ in bad]),
    ]
    endpoint = MqttEndpoint.parse(url)
    client = RawPublisher(
        endpoint, f"bench-hostile-{attack.run_seed}-{k}", window=alone.publisher_inflight
    )
    encoded = [client.packets(messages) for messages in phases]
    results.put(("ready", k))
    for gate, packets in zip(gates, encoded, strict=True):
        gate.wait()
        started = time.time()
        acked = client.send(packets)
        results.put(("published", k, started, time.time(), acked))
    client.close()


class Ingester:
    """`txng cloud ingest` as a child process; restarted (and counted) if it exits."""

    def __init__(self, database_url: str, mqtt_url: str, client_id: str, prefix: str = ""):
        self.port = free_port()
        self.command = [*shlex.split(prefix), sys.executable, "-m", "txng.cli", "cloud", "ingest"]
        self.env = dict(os.environ)
        self.env.update(
            TXNG_DATABASE_URL=database_url,
            TXNG_MQTT_URL=mqtt_url,
            TXNG_INGEST_CLIENT_ID=client_id,
            TXNG_INGEST_METRICS_PORT=str(self.port),
            TXNG_LOG_LEVEL=self.env.get("TXNG_LOG_LEVEL", "WARNING"),
        )
        self.exits: list[int] = []
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=REPO,
            stderr=self.log,
            start_new_session=True,
        )
        wait_port("127.0.0.1", self.port, timeout=30)
        return process

    def check(self) -> None:
        """Count an exit and start the ingester again."""
        code = self.process.poll()
        if code is not None:
            self.exits.append(code)
            log(f"the ingester exited with {code}; starting it again")
            self.process = self._start()

    def totals(self) -> dict[str, float]:
        """The ingester's counters now."""
        self.check()
        names = (
            "txng_ingest_items_stored_total",
            "txng_ingest_messages_acked_total",
            "txng_ingest_dead_letters_total",
            "txng_worker_restarts_total",
            "txng_worker_crashes_total",
            "txng_ingest_queue_depth",
            "txng_ingest_commit_seconds_sum",
        )
        return dict(zip(names, metrics(self.port, *names), strict=True))

    def stop(self) -> int:
        """SIGINT, wait; return the exit code (and print the log's end when it is not 0)."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait()
        if code != 0 or self.exits:
            self.log.seek(0)
            sys.stderr.write(self.log.read()[-4000:].decode(errors="replace"))
        self.log.close()
        return code


def wait_until(
    ingester: Ingester, started: float, *, stored: float, acked: float, stall_s: float
) -> tuple[float, float, list[float]]:
    """Poll until `stored` items and `acked` messages; return when each was reached.

    Also the ingester's queue depth at each poll (full: its writer is the bottleneck).
    """
    stored_at = acked_at = 0.0
    depths: list[float] = []
    progress, seen = -1.0, time.monotonic()
    while not (stored_at and acked_at):
        now = ingester.totals()
        depths.append(now["txng_ingest_queue_depth"])
        at = time.time() - started
        if not stored_at and now["txng_ingest_items_stored_total"] >= stored:
            stored_at = at
        if not acked_at and now["txng_ingest_messages_acked_total"] >= acked:
            acked_at = at
        done = now["txng_ingest_messages_acked_total"]
        if done > progress:
            progress, seen = done, time.monotonic()
        elif time.monotonic() - seen > stall_s:
            raise RuntimeError(f"no progress for {stall_s} s: {now}")
        time.sleep(0.1)
    return stored_at, acked_at, depths


def run(
    args: argparse.Namespace, mqtt_url: str, database_url: str, broker_pid: int | None
) -> dict[str, Any]:
    """Both phases on one broker, one database and one ingester; the checks; the figures."""
    load_before = os.getloadavg()[0]
    migrate(database_url)
    register_devices(database_url, [(SITE, f"pi-bench-{k:02d}") for k in range(args.devices)])
    seed = random.randrange(1 << 30)
    good = args.devices * args.envelopes * args.envelope_items

    def spec(run_seed: int) -> Spec:
        return Spec(run_seed, good, args.devices, args.envelope_items, args.publisher_inflight)

    alone, attack = spec(seed), spec(seed + 1)
    share = [
        args.hostile // args.devices + (k < args.hostile % args.devices)
        for k in range(args.devices)
    ]
    results: Any = mp.Queue()
    gates = [mp.Event(), mp.Event()]
    processes = [
        mp.Process(
            target=publisher,
            args=(alone, attack, k, share[k], mqtt_url, gates, results),
            daemon=True,
        )
        for k in range(args.devices)
    ]
    for process in processes:
        process.start()
    kinds: dict[str, int] = {}
    for _, _, drawn in collect(results, "kinds", args.devices):
        for kind in drawn:
            kinds[kind] = kinds.get(kind, 0) + 1
    collect(results, "ready", args.devices)
    good_messages = args.devices * args.envelopes
    ingester = Ingester(database_url, mqtt_url, f"bench-hostile-{seed}", args.ingester_prefix)
    publishers = [p.pid for p in processes if p.pid]
    try:
        phases = {}
        expected_stored, expected_acked = 0.0, 0.0
        for name, gate, hostile in (("alone", gates[0], 0), ("attack", gates[1], args.hostile)):
            before = ingester.totals()
            meter = CpuMeter(
                database_url,
                sessions={"ingester": [ingester.process.pid]},
                processes={"broker": [broker_pid] if broker_pid else [], "publishers": publishers},
            )
            expected_stored = before["txng_ingest_items_stored_total"] + good
            expected_acked = before["txng_ingest_messages_acked_total"] + good_messages + hostile
            log(f"{name}: {good:,} readings in {good_messages:,} envelopes, {hostile:,} hostile")
            started = time.time()
            gate.set()
            stored_at, acked_at, depths = wait_until(
                ingester,
                started,
                stored=expected_stored,
                acked=expected_acked,
                stall_s=args.stall_s,
            )
            sent = collect(results, "published", args.devices)
            after = ingester.totals()
            phases[name] = {
                "cpu_s": meter.used(),
                "mean_queue_depth": round(sum(depths) / len(depths)),
                "store_s": round(
                    after["txng_ingest_commit_seconds_sum"]
                    - before["txng_ingest_commit_seconds_sum"],
                    3,
                ),
                "good_stored_s": round(stored_at, 3),
                "all_acked_s": round(acked_at, 3),
                "published_s": round(max(r[3] for r in sent) - started, 3),
                "good_items_per_s": round(good / stored_at),
            }
            log(f"{name}: {phases[name]}")
        time.sleep(1.0)  # anything late would show in the counts below
        end = ingester.totals()
    finally:
        code = ingester.stop()
    for process in processes:
        process.join(30)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE device_id LIKE 'pi-bench-%%'), "
            "count(DISTINCT id) FILTER (WHERE device_id LIKE 'pi-bench-%%'), "
            "count(*) FILTER (WHERE device_id NOT LIKE 'pi-bench-%%') FROM readings"
        )
        stored, distinct, hostile_stored = cur.fetchone()
        cur.execute("SELECT reason, count(*) FROM dead_letters GROUP BY reason ORDER BY reason")
        reasons = dict(cur.fetchall())
    conn.close()
    dead = sum(reasons.values())
    alone_rate = phases["alone"]["good_items_per_s"]
    attack_rate = phases["attack"]["good_items_per_s"]
    attack_cpu = phases["attack"]["cpu_s"]
    # The attack phase cannot be shorter than its own work spread over every core: the ratio
    # this run's measured costs allow at best.
    shortest_attack_s = sum(
        attack_cpu[k] for k in ("ingester", "broker", "publishers", "postgres_backends")
    ) / (os.cpu_count() or 1)
    return {
        "hostile_payloads": args.hostile,
        "good_items_sent": 2 * good,
        "good_items_stored": stored,
        "good_items_stored_distinct": distinct,
        "hostile_items_stored": hostile_stored,
        "dead_letters": dead,
        "dead_letters_by_reason": reasons,
        "hostile_by_kind": dict(sorted(kinds.items())),
        "worker_restarts": int(end["txng_worker_restarts_total"]),
        "worker_crashes": int(end["txng_worker_crashes_total"]),
        "process_exits": len(ingester.exits),
        "ingester_exit_code": code,
        "phases": phases,
        "devices": args.devices,
        "envelope_items": args.envelope_items,
        "loadavg_before": load_before,
        "every_good_item_stored_once": stored == distinct == 2 * good and hostile_stored == 0,
        "every_hostile_payload_dead_lettered": dead == args.hostile,
        "throughput_goal_met": attack_rate >= 0.5 * alone_rate,
        "under_attack_vs_alone": round(attack_rate / alone_rate, 3),
        "ratio_ceiling_from_cpu": round(phases["alone"]["good_stored_s"] / shortest_attack_s, 3),
        "good_items_per_s_under_attack": attack_rate,
        "good_items_per_s_alone": alone_rate,
    }


def main() -> int:
    """Start what is missing, run, print the figures (the last line is one JSON object)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostile", type=int, default=100_000, help="hostile payloads")
    parser.add_argument("--devices", type=int, default=8, help="publisher processes")
    parser.add_argument("--envelopes", type=int, default=2500, help="good envelopes per device")
    parser.add_argument("--envelope-items", type=int, default=25, help="readings per envelope")
    parser.add_argument("--publisher-inflight", type=int, default=100)
    parser.add_argument("--stall-s", type=float, default=60.0)
    parser.add_argument(
        "--ingester-prefix", default="", help="run the ingester under this (py-spy record … --)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    admin_url = os.environ.get("TXNG_DATABASE_URL", DEFAULT_ADMIN_URL)
    mqtt_url = os.environ.get("TXNG_MQTT_URL")
    with ThrowawayDatabase(admin_url) as database:
        if mqtt_url:
            result = run(args, mqtt_url, database.url, None)
        else:
            with Mosquitto() as broker:
                result = run(args, broker.url, database.url, broker.pid)
    log(
        f"good readings/s alone {result['good_items_per_s_alone']:,}, under attack "
        f"{result['good_items_per_s_under_attack']:,} ({result['under_attack_vs_alone']}); "
        f"{result['dead_letters']:,} dead letters of {result['hostile_payloads']:,} hostile"
    )
    print(json.dumps(result))
    safe = result["every_good_item_stored_once"] and result["every_hostile_payload_dead_lettered"]
    return 0 if safe and result["process_exits"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
