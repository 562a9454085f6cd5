"""End-to-end ingest benchmark: K publishers → Mosquitto → `txng cloud ingest` → PostgreSQL.

One run measures three things with the same N readings, built the same way each time:

1. noop baseline: the K publishers send every envelope (QoS 1) to a paho subscriber that
   only counts them; msgs/s from the first PUBLISH to the last message received, of the
   fastest of --noop-runs rounds.
2. COPY baseline: one COPY of the same rows into the same (empty) readings table, with the
   same indexes, plus its commit; rows/s from the start of COPY to the end of the commit, of
   the fastest of --copy-runs runs (other load on the machine only ever slows a run down, so
   the ratio to it errs low). Building the COPY text is not timed. `copy_postgres_cpu_s` gives
   the CPU seconds each run's PostgreSQL backend used (less sensitive to other load than time).
3. ingest: the same publishers send the same envelopes again; the real ingester (a separate
   `txng cloud ingest` process, manual ack after commit) stores them. readings/s from the first
   PUBLISH to the commit of the last row. The commit time is taken from a NOTIFY that a
   statement-level trigger on readings sends (PostgreSQL delivers it at commit), received by a
   LISTEN connection of this process; the ingester's /metrics endpoint tells when it is done.
   Then the run checks that every reading is stored exactly once and nothing was dead-lettered.
4. two ingesters: the readings table emptied, the same publishers send the same envelopes to
   two `txng cloud ingest` processes in one shared-subscription group (`$share/…`), timed and
   checked the same way (`two_ingesters_readings_per_s`, details under `two_ingesters`).

All clocks are time.time() on one machine. The last stdout line is one JSON object; its
`cpu_s` gives the CPU seconds used during the ingest phase by the ingester (all its threads,
including the derive worker and notifier it runs by default), the PostgreSQL server (every
database on it, when it runs on this machine), the broker (when started here) and the whole
machine, so that load from other work on the machine shows. TXNG_* variables in the
environment reach the ingester (e.g. TXNG_INGEST_DERIVE=false TXNG_NOTIFY=false).
"""

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import re
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt
import psycopg2
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench._services import (
    DEFAULT_ADMIN_URL,
    REPO,
    CpuMeter,
    Mosquitto,
    ThrowawayDatabase,
    cpu_seconds,
    free_port,
    register_devices,
    wait_port,
)
from cloud.db.ingest_store import READING_COLUMNS
from cloud.db.migrate import migrate
from contract import decode
from plumbing.mqtt_url import MqttEndpoint

SITE = "bench"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
SENSORS = 50


@dataclass(frozen=True)
class Spec:
    """What every process needs to build the same readings."""

    run_seed: int
    readings: int
    publishers: int
    envelope_items: int
    publisher_inflight: int

    def share(self, k: int) -> int:
        """How many readings publisher k sends."""
        base, extra = divmod(self.readings, self.publishers)
        return base + (1 if k < extra else 0)

    def envelopes_of(self, k: int) -> int:
        """How many envelopes publisher k sends."""
        return -(-self.share(k) // self.envelope_items)


def device_of(k: int) -> str:
    """The device id of publisher k."""
    return f"pi-bench-{k:02d}"


def rows_of(spec: Spec, k: int) -> list[tuple[str, str, int, int, float]]:
    """Publisher k's readings as (id, device time, seq, sensor, value), the same every call."""
    rng = random.Random(spec.run_seed * 1_000_003 + k)
    rows = []
    for seq in range(spec.share(k)):
        at = BASE_TIME + timedelta(milliseconds=10 * seq)
        unix_ms = int(at.timestamp() * 1000)
        bits = rng.getrandbits(74)
        value = (unix_ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62)
        value |= bits & ((1 << 62) - 1)
        rows.append(
            (str(uuid.UUID(int=value)), at.isoformat(), seq, seq % SENSORS, 2.0 + (seq % 97) / 10)
        )
    return rows


def envelopes(spec: Spec, k: int) -> list[tuple[str, bytes]]:
    """Publisher k's messages as (topic, JSON payload), in the contract's encoding."""
    device = device_of(k)
    topic = f"txng/v1/{SITE}/{device}/readings"
    rows = rows_of(spec, k)
    sent_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    out = []
    for start in range(0, len(rows), spec.envelope_items):
        items = ",".join(
            f'{{"id":"{item_id}","device_time":"{at.replace("+00:00", "Z")}","clock":"synced",'
            f'"seq":{seq},"kind":"reading","sensor":"probe-{sensor}",'
            f'"location":"cold-room-{sensor // 10}","quantity":"temperature","value":{value!r},'
            f'"unit":"CEL","quality":"good"}}'
            for item_id, at, seq, sensor, value in rows[start : start + spec.envelope_items]
        )
        payload = (
            f'{{"v":1,"site":"{SITE}","device":"{device}","sent_at":"{sent_at}","items":[{items}]}}'
        )
        out.append((topic, payload.encode()))
    checked = decode(out[0][0], out[0][1])  # what we send must be valid contract
    assert not checked.rejected and len(checked.items) == min(spec.envelope_items, len(rows))
    return out


def copy_text(spec: Spec) -> str:
    """Every publisher's readings as COPY text rows of the readings table."""
    received = datetime.now(UTC).isoformat()
    lines = []
    for k in range(spec.publishers):
        device = device_of(k)
        for item_id, at, seq, sensor, value in rows_of(spec, k):
            lines.append(
                f"{at}\t{item_id}\t{SITE}\t{device}\t{seq}\tsynced\tprobe-{sensor}\t"
                f"cold-room-{sensor // 10}\ttemperature\t{value!r}\tCEL\tgood\t{received}\n"
            )
    return "".join(lines)


def _client(client_id: str) -> mqtt.Client:
    return mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )


def publisher(spec: Spec, k: int, url: str, gates: list[Any], results: Any) -> None:
    """Build this publisher's envelopes, then send all of them once per gate that opens."""
    messages = envelopes(spec, k)
    endpoint = MqttEndpoint.parse(url)
    client = _client(f"bench-pub-{spec.run_seed}-{k}")
    client.max_inflight_messages_set(spec.publisher_inflight)
    client.max_queued_messages_set(0)
    connected = threading.Event()
    client.on_connect = lambda *a: connected.set()
    client.connect(endpoint.host, endpoint.port, keepalive=120)
    client.loop_start()
    connected.wait(30)
    results.put(("ready", k))
    for gate in gates:
        gate.wait()
        started = time.time()
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=900)
        results.put(("published", k, started, time.time(), sum(i.is_published() for i in infos)))
    client.disconnect()
    client.loop_stop()


def noop_subscriber(
    url: str, expected: int, rounds: int, receive_maximum: int, ready: Any, results: Any
) -> None:
    """Count messages on every readings topic (QoS 1, auto ack): `expected` in each round."""
    endpoint = MqttEndpoint.parse(url)
    count = 0
    done = threading.Event()

    def on_message(client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        nonlocal count
        count += 1
        if count % expected == 0:
            results.put(("noop", count, time.time()))
            if count == expected * rounds:
                done.set()

    client = _client(f"bench-noop-{os.getpid()}")
    client.on_connect = lambda c, *a: c.subscribe("txng/v1/+/+/readings", qos=1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = on_message
    properties = Properties(PacketTypes.CONNECT)
    properties.ReceiveMaximum = receive_maximum
    client.connect(endpoint.host, endpoint.port, clean_start=True, properties=properties)
    client.loop_start()
    done.wait(900)
    client.disconnect()
    client.loop_stop()


def publish_one(url: str, topic: str, payload: bytes) -> None:
    """Publish one message with QoS 1 and wait for the PUBACK."""
    endpoint = MqttEndpoint.parse(url)
    client = _client(f"bench-warmup-{os.getpid()}")
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(timeout=30)
    client.disconnect()
    client.loop_stop()


class CommitListener(threading.Thread):
    """LISTENs for the trigger's NOTIFY; keeps the time of the last commit that stored readings."""

    def __init__(self, database_url: str):
        super().__init__(name="commit-listener", daemon=True)
        self._conn = psycopg2.connect(database_url)
        self._conn.autocommit = True
        with self._conn.cursor() as cur:
            cur.execute("LISTEN bench_commit")
        self.last = 0.0
        self.commits = 0
        self._halt = threading.Event()

    def run(self) -> None:
        """Wait for notifications and time-stamp them on arrival."""
        while not self._halt.is_set():
            if select.select([self._conn], [], [], 0.1)[0]:
                self._conn.poll()
                if self._conn.notifies:
                    self.last = time.time()
                    self.commits += len(self._conn.notifies)
                    self._conn.notifies.clear()

    def stop(self) -> None:
        """Stop listening."""
        self._halt.set()
        self.join()
        self._conn.close()


NOTIFY_TRIGGER = """
CREATE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('bench_commit', ''); RETURN NULL; END $$;
CREATE TRIGGER bench_notify AFTER INSERT ON readings
    FOR EACH STATEMENT EXECUTE FUNCTION bench_notify();
"""


def metrics(port: int, *names: str) -> list[float]:
    """Sum of each metric's samples on the ingester's /metrics endpoint (one request)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    sums = []
    for name in names:
        pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", re.MULTILINE)
        sums.append(sum(float(value) for value in pattern.findall(text)))
    return sums


def copy_baseline(
    database_url: str, text: str, *, runs: int
) -> tuple[list[float], list[float]]:
    """COPY `text` into the empty readings table and commit, `runs` times.

    Returns the seconds of each run and the CPU seconds its PostgreSQL backend used.
    """
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    columns = ", ".join(READING_COLUMNS)
    took, cpu = [], []
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            (backend,) = cur.fetchone()
            for _ in range(runs):
                cur.execute("TRUNCATE readings")
                cur.execute("CHECKPOINT")  # each run, and the ingest after them, start alike
                cur.execute("BEGIN")
                cpu_before = cpu_seconds([backend])
                started = time.perf_counter()
                cur.copy_expert(f"COPY readings ({columns}) FROM STDIN", StringIO(text))
                cur.execute("COMMIT")
                took.append(time.perf_counter() - started)
                cpu.append(cpu_seconds([backend]) - cpu_before)
            cur.execute("TRUNCATE readings")
            cur.execute("CHECKPOINT")
            cur.execute(NOTIFY_TRIGGER)
    finally:
        conn.close()
    return took, cpu


_PENDING: list[tuple[Any, ...]] = []


def collect(results: Any, kind: str, count: int, timeout: float = 900) -> list[tuple[Any, ...]]:
    """Take `count` results of `kind` from the result queue (keeping others for later)."""
    found = [item for item in _PENDING if item[0] == kind][:count]
    for item in found:
        _PENDING.remove(item)
    deadline = time.monotonic() + timeout
    while len(found) < count:
        item = results.get(timeout=max(0.1, deadline - time.monotonic()))
        (found if item[0] == kind else _PENDING).append(item)
    return found


class IngesterProcess:
    """`txng cloud ingest` as a child process with TXNG_* settings (a context manager)."""

    def __init__(
        self,
        args: argparse.Namespace,
        database_url: str,
        mqtt_url: str,
        client_id: str,
        share_group: str | None = None,
    ):
        self.metrics_port = free_port()
        env = dict(os.environ)
        env.update(
            TXNG_DATABASE_URL=database_url,
            TXNG_MQTT_URL=mqtt_url,
            TXNG_INGEST_CLIENT_ID=client_id,
            TXNG_INGEST_METRICS_PORT=str(self.metrics_port),
            TXNG_LOG_LEVEL=env.get("TXNG_LOG_LEVEL", "WARNING"),
            # The broker forgets the session when the ingester stops: no queue for a later phase.
            TXNG_INGEST_SESSION_EXPIRY_S="0",
        )
        if share_group:
            env["TXNG_INGEST_SHARE_GROUP"] = share_group
        for flag in ("batch_max_messages", "receive_maximum", "queue_size", "batch_max_wait_ms"):
            value = getattr(args, flag)
            if value is not None:
                env[f"TXNG_INGEST_{flag.upper()}"] = str(value)
        self.env = env
        self.command = [*shlex.split(args.ingester_prefix or ""), sys.executable, "-m", "txng.cli"]
        self.command += ["cloud", "ingest"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "IngesterProcess":
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=REPO, stderr=self.log, start_new_session=True
        )
        try:
            wait_port("127.0.0.1", self.metrics_port, timeout=30)
        except TimeoutError:
            self.__exit__(TimeoutError)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if exc[0] is not None or (self.process and self.process.returncode not in (0, None)):
            self.log.seek(0)
            sys.stderr.write(self.log.read()[-4000:].decode(errors="replace"))
        self.log.close()

    def stored(self) -> float:
        """Items stored so far, as the ingester counts them."""
        return self.progress()[0]

    def progress(self) -> tuple[float, float, float]:
        """Items stored, messages acknowledged and seconds spent storing batches, so far."""
        stored, acked, store_s = metrics(
            self.metrics_port,
            "txng_ingest_items_stored_total",
            "txng_ingest_messages_acked_total",
            "txng_ingest_commit_seconds_sum",
        )
        return stored, acked, store_s


def progress(ingesters: list[IngesterProcess]) -> tuple[float, float, float]:
    """Items stored, messages acknowledged and seconds storing, summed over the ingesters."""
    stored, acked, store_s = zip(*(i.progress() for i in ingesters), strict=True)
    return sum(stored), sum(acked), sum(store_s)


def warm_up(ingesters: list[IngesterProcess], mqtt_url: str) -> tuple[float, float, float]:
    """Publish warm-up readings until each ingester may have stored some; return the progress."""
    topic = f"txng/v1/{SITE}-warmup/warm/readings"
    deadline = time.monotonic() + 60
    wanted = 4 * len(ingesters)  # in a share group, each gets some of them
    sent = 0
    while progress(ingesters)[0] < wanted:  # the ingesters may not have subscribed yet
        if time.monotonic() > deadline:
            raise RuntimeError("the ingesters did not store the warm-up messages")
        item = (
            f'{{"id":"{uuid.uuid4()}","device_time":"2026-01-01T00:00:00Z","clock":"synced",'
            f'"seq":{sent},"kind":"reading","sensor":"p","location":"l",'
            '"quantity":"temperature","value":4.0,"unit":"CEL"}'
        )
        envelope = (
            f'{{"v":1,"site":"{SITE}-warmup","device":"warm",'
            f'"sent_at":"2026-01-01T00:00:00Z","items":[{item}]}}'
        )
        publish_one(mqtt_url, topic, envelope.encode())
        sent += 1
        for _ in range(20):
            if progress(ingesters)[0] >= min(sent, wanted):
                break
            time.sleep(0.05)
    time.sleep(1.0)  # let any further warm-up message settle
    return progress(ingesters)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--publishers", type=int, default=4, help="publisher processes")
    parser.add_argument("-n", "--readings", type=int, default=500_000, help="readings in total")
    parser.add_argument("-e", "--envelope-items", type=int, default=100, help="readings/message")
    parser.add_argument("--publisher-inflight", type=int, default=100, help="per publisher")
    parser.add_argument("--batch-max-messages", type=int, help="TXNG_INGEST_BATCH_MAX_MESSAGES")
    parser.add_argument("--batch-max-wait-ms", type=float, help="TXNG_INGEST_BATCH_MAX_WAIT_MS")
    parser.add_argument("--receive-maximum", type=int, help="TXNG_INGEST_RECEIVE_MAXIMUM")
    parser.add_argument("--queue-size", type=int, help="TXNG_INGEST_QUEUE_SIZE")
    parser.add_argument(
        "--ingester-prefix", help="run the ingester under this, e.g. 'py-spy record -o p.svg --'"
    )
    parser.add_argument("--copy-runs", type=int, default=2, help="COPY baseline: best of")
    parser.add_argument("--noop-runs", type=int, default=2, help="noop baseline: best of")
    parser.add_argument("--stall-s", type=float, default=60.0, help="give up after no progress")
    return parser.parse_args()


def log(text: str) -> None:
    """Progress on stderr, so that stdout stays for results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run(
    args: argparse.Namespace, mqtt_url: str, database_url: str, broker_pid: int | None
) -> dict[str, Any]:
    """The three measurements on one broker and one database."""
    load_before = os.getloadavg()[0]
    migrate(database_url)
    spec = Spec(
        run_seed=random.randrange(1 << 30),
        readings=args.readings,
        publishers=args.publishers,
        envelope_items=args.envelope_items,
        publisher_inflight=args.publisher_inflight,
    )
    register_devices(database_url, [(SITE, device_of(k)) for k in range(spec.publishers)])
    messages = sum(spec.envelopes_of(k) for k in range(spec.publishers))
    receive_maximum = args.receive_maximum or 1000
    results: Any = mp.Queue()
    # the noop rounds, then one ingester, then two
    gates = [mp.Event() for _ in range(args.noop_runs + 2)]
    subscribed = mp.Event()
    noop = mp.Process(
        target=noop_subscriber,
        args=(mqtt_url, messages, args.noop_runs, receive_maximum, subscribed, results),
        daemon=True,
    )
    noop.start()
    publishers = [
        mp.Process(target=publisher, args=(spec, k, mqtt_url, gates, results), daemon=True)
        for k in range(spec.publishers)
    ]
    for process in publishers:
        process.start()
    subscribed.wait(30)
    log(f"building {messages} envelopes of {spec.envelope_items} readings each")
    collect(results, "ready", spec.publishers, timeout=300)

    log("noop baseline: publishing to a counting subscriber")
    noop_runs = []
    for gate in gates[:-2]:
        gate.set()
        sent = collect(results, "published", spec.publishers)
        _, count, noop_last = collect(results, "noop", 1)[0]
        noop_runs.append(noop_last - min(r[2] for r in sent))
        assert count == messages * len(noop_runs), f"noop subscriber got {count} messages"
    noop.join()
    noop_s = min(noop_runs)  # the fastest, as for COPY

    log("COPY baseline")
    copy_runs, copy_cpu = copy_baseline(database_url, copy_text(spec), runs=args.copy_runs)
    copy_s = min(copy_runs)  # the fastest: other load on the machine only slows a run down

    log("ingest: publishing to the ingester")
    one = ingest_phase(args, spec, messages, gates[-2], results, mqtt_url, database_url,
                       broker_pid, ingesters=1)
    log(f"one ingester: {spec.readings / one['ingest_s']:,.0f} readings/s")
    reset_readings(database_url)
    log("ingest: publishing to two ingesters in one shared-subscription group")
    two = ingest_phase(args, spec, messages, gates[-1], results, mqtt_url, database_url,
                       broker_pid, ingesters=2)
    for process in publishers:
        process.join(30)
    ingest_s = one["ingest_s"]
    readings_per_s = spec.readings / ingest_s
    copy_rows_per_s = spec.readings / copy_s
    noop_msgs_per_s = messages / noop_s
    ingest_msgs_per_s = messages / ingest_s
    return {
        "readings_per_s": round(readings_per_s),
        "ratio_to_copy": round(readings_per_s / copy_rows_per_s, 3),
        "two_ingesters_readings_per_s": round(spec.readings / two["ingest_s"]),
        "two_ingesters_ratio_to_copy": round(
            spec.readings / two["ingest_s"] / copy_rows_per_s, 3
        ),
        "ratio_to_noop_subscriber_msgs": round(ingest_msgs_per_s / noop_msgs_per_s, 3),
        "envelope_items": spec.envelope_items,
        "n": spec.readings,
        "copy_rows_per_s": round(copy_rows_per_s),
        "noop_msgs_per_s": round(noop_msgs_per_s),
        "ingest_msgs_per_s": round(ingest_msgs_per_s),
        "messages": messages,
        "publishers": spec.publishers,
        "ingest_s": round(ingest_s, 3),
        "ingest_s_by_metrics_poll": one["ingest_s_by_metrics_poll"],
        "ingest_publish_s": one["ingest_publish_s"],
        "copy_s": [round(t, 3) for t in copy_runs],
        "copy_postgres_cpu_s": [round(t, 2) for t in copy_cpu],
        "copy_postgres_cpu_us_per_row": round(min(copy_cpu) / spec.readings * 1e6, 1),
        "noop_s": [round(t, 3) for t in noop_runs],
        "commits": one["commits"],
        "ingester_store_s": one["ingester_store_s"],
        "cpu_s": one["cpu_s"],
        "ingester_cpu_us_per_reading": round(one["cpu_s"]["ingester"] / spec.readings * 1e6, 1),
        "postgres_cpu_us_per_reading": round(
            one["cpu_s"]["postgres_backends"] / spec.readings * 1e6, 1
        ),
        "two_ingesters": two,
        "loadavg_before": load_before,
    }


def reset_readings(database_url: str) -> None:
    """Empty the readings (the same ids are sent again) and the derived work they queued."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE readings, work_queue")
            cur.execute("CHECKPOINT")
    finally:
        conn.close()


def ingest_phase(
    args: argparse.Namespace,
    spec: Spec,
    messages: int,
    gate: Any,
    results: Any,
    mqtt_url: str,
    database_url: str,
    broker_pid: int | None,
    *,
    ingesters: int,
) -> dict[str, Any]:
    """Open `gate` to the publishers and time `ingesters` ingesters storing every reading."""
    group = f"bench{spec.run_seed}" if ingesters > 1 else None
    with contextlib.ExitStack() as stack:
        running = [
            stack.enter_context(
                IngesterProcess(
                    args, database_url, mqtt_url, f"bench-ingest-{spec.run_seed}-{ingesters}-{k}",
                    share_group=group,
                )
            )
            for k in range(ingesters)
        ]
        before = warm_up(running, mqtt_url)
        listener = CommitListener(database_url)
        listener.start()
        warm_commits = listener.commits
        meter = CpuMeter(
            database_url,
            sessions={"ingester": [i.process.pid for i in running if i.process is not None]},
            processes={"broker": [broker_pid] if broker_pid else []},
        )
        gate.set()
        stored_so_far, seen_at = 0.0, time.monotonic()
        while True:  # poll gently: the end time comes from the NOTIFY, not from this loop
            now = progress(running)
            stored, acked, store_s = (a - b for a, b in zip(now, before, strict=True))
            if stored >= spec.readings and acked >= messages:
                break
            if stored > stored_so_far:
                stored_so_far, seen_at = stored, time.monotonic()
            elif time.monotonic() - seen_at > args.stall_s:
                raise RuntimeError(f"ingest stalled at {stored:.0f} of {spec.readings} readings")
            time.sleep(0.5)
        polled_end = time.time()
        cpu = meter.used()
        sent = collect(results, "published", spec.publishers)
        time.sleep(0.3)
        listener.stop()
    first = min(r[2] for r in sent)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT id) FROM readings WHERE site_id = %s", (SITE,))
        rows, distinct = cur.fetchone()
        cur.execute("SELECT count(*) FROM dead_letters")
        (dead,) = cur.fetchone()
    conn.close()
    assert rows == distinct == spec.readings, (
        f"stored {rows} rows ({distinct} ids) of {spec.readings}"
    )
    assert dead == 0, f"{dead} dead letters"
    return {
        "ingesters": ingesters,
        "ingest_s": round(listener.last - first, 3),
        "ingest_s_by_metrics_poll": round(polled_end - first, 3),
        "ingest_publish_s": round(max(r[3] for r in sent) - first, 3),
        "commits": listener.commits - warm_commits,
        "ingester_store_s": round(store_s, 3),
        "cpu_s": cpu,
    }


def main() -> int:
    """Start what is missing, run the benchmark, print the results."""
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on SIGTERM too
    admin_url = os.environ.get("TXNG_DATABASE_URL", DEFAULT_ADMIN_URL)
    mqtt_url = os.environ.get("TXNG_MQTT_URL")
    with ThrowawayDatabase(admin_url) as database:
        if mqtt_url:
            result = run(args, mqtt_url, database.url, None)
        else:
            with Mosquitto() as broker:
                result = run(args, broker.url, database.url, broker.pid)
    log(
        f"{result['readings_per_s']:,} readings/s end to end "
        f"({result['ingest_msgs_per_s']:,} msgs/s); COPY {result['copy_rows_per_s']:,} rows/s; "
        f"noop subscriber {result['noop_msgs_per_s']:,} msgs/s"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
