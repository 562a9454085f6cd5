"""Edge agent benchmark: outbox write rate, drain rate after an outage, steady CPU and RSS.

Run: python bench/edge.py  (uses TXNG_MQTT_URL when set, else starts its own mosquitto).

The drain is measured three ways on a backlog of 200,000 readings (twice the default receipt
window, `delivery.max_unconfirmed`): to a broker nobody reads
(`drain_items_per_s`, the figure before receipts), and through one real `txng cloud ingest`
on a throwaway database of TXNG_DATABASE_URL's server: once forgetting items on the broker's
PUBACK, as before receipts (`drain_puback_acked_items_per_s` until the agent is done,
`drain_puback_stored_items_per_s` until the database holds them all), then only on the
ingester's receipts, as agents do by default (`drain_receipts_items_per_s`: the outbox empty,
so the database holds them all). `receipts_vs_puback_stored` compares the two end-to-end
rates of the same run. The last stdout line is one JSON object.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psycopg2
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._services import (  # noqa: E402
    DEFAULT_ADMIN_URL,
    ThrowawayDatabase,
    free_port,
    register_devices,
)
from cloud.db.migrate import migrate  # noqa: E402
from contract import Quantity  # noqa: E402
from edge.agent import Agent  # noqa: E402
from edge.clock import Clock, ClockSync  # noqa: E402
from edge.config import DeviceConfig  # noqa: E402
from edge.outbox import Outbox  # noqa: E402
from edge.readers.base import ReaderContext  # noqa: E402

BACKLOG = 200_000
STEADY_WARMUP_S = 5.0
STEADY_MEASURE_S = 30.0


def start_broker(workdir: Path) -> tuple[str, subprocess.Popen[bytes] | None]:
    given = os.environ.get("TXNG_MQTT_URL")
    if given:
        return given, None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = (ROOT / "deploy" / "mosquitto" / "dev.conf.in").read_text()
    config = config.replace("@PORT@", str(port)).replace("@DATA@", f"{workdir}/")
    (workdir / "mosquitto.conf").write_text(config)
    process = subprocess.Popen(["mosquitto", "-c", str(workdir / "mosquitto.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"mqtt://127.0.0.1:{port}", process


def device(url: str, outbox: Path, readers: list[dict[str, object]]) -> dict[str, object]:
    return {
        "site": "bench", "device": f"edge-{os.getpid()}-{len(readers)}",
        "locations": {"cold": {"kind": "cold_room"}},
        "mqtt": {"url": url, "max_inflight": 100},
        "outbox": {"path": str(outbox), "capacity": 2 * BACKLOG},
        "clock": {"sync": "synced"}, "readers": readers,
    }


async def fill(outbox: Outbox) -> float:
    context = ReaderContext(Clock(ClockSync.SYNCED))
    items = [context.reading(sensor=f"probe-{i % 20}", location="cold",
                             quantity=Quantity.TEMPERATURE, value=4.0 + i / 1000)
             for i in range(200)]
    started = time.perf_counter()
    for _ in range(BACKLOG // (200 * 25)):
        await asyncio.gather(*(outbox.put(items) for _ in range(25)))
    return BACKLOG / (time.perf_counter() - started)


def drain(
    config: DeviceConfig, *, until_receipts: bool = False, stored: Callable[[], int] | None = None
) -> tuple[float, float]:
    """Items/s until the agent is done (acked, or receipted), and until `stored` says all are."""
    agent = Agent(config)
    thread = threading.Thread(target=asyncio.run, args=(agent.run(),))
    started = time.perf_counter()
    thread.start()
    publisher = agent.publisher
    while (publisher.confirmed_items if until_receipts else publisher.acked_items) < BACKLOG:
        time.sleep(0.005)
    done = time.perf_counter() - started
    while stored is not None and stored() < BACKLOG:
        time.sleep(0.1)
    all_stored = time.perf_counter() - started
    agent.stop()
    thread.join()
    return BACKLOG / done, BACKLOG / all_stored


def backlog(url: str, workdir: Path, name: str, confirm: str) -> DeviceConfig:
    """A device whose outbox holds BACKLOG readings, confirming on `confirm`."""
    document = device(url, workdir / f"{name}.sqlite", [])
    document["device"] = f"{document['device']}-{name}"
    document["delivery"] = {"confirm": confirm}
    config = DeviceConfig.model_validate(document)
    outbox = Outbox(config.outbox_path(), capacity=config.outbox.capacity)
    outbox.open()
    asyncio.run(fill(outbox))
    outbox.close()
    return config


def ingester(url: str, database_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    """One `txng cloud ingest`, returned once it is subscribed (its health says so)."""
    port = free_port()
    env = {**os.environ, "TXNG_DATABASE_URL": database_url, "TXNG_MQTT_URL": url,
           "TXNG_INGEST_METRICS_PORT": str(port), "TXNG_NOTIFY": "false",
           "TXNG_LOG_LEVEL": "WARNING", "TXNG_INGEST_CLIENT_ID": f"bench-edge-{os.getpid()}"}
    log = (workdir / "ingest.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "txng.cli", "cloud", "ingest"],
                               cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if json.load(answer).get("broker_connected"):
                    return process
        except (OSError, ValueError):
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the ingester did not start; see {workdir / 'ingest.log'}")


def readings_of(database_url: str, config: DeviceConfig) -> Callable[[], int]:
    """How many readings of the device the database holds, asked anew on each call."""

    def count() -> int:
        with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM readings WHERE site_id = %s AND device_id = %s",
                        (config.site, config.device))
            row = cur.fetchone()
        conn.close()
        return int(row[0]) if row else 0

    return count


def through_ingester(url: str, workdir: Path) -> tuple[float, float, float]:
    """Through a real ingester: on PUBACK (agent done, all stored), then on receipts."""
    admin_url = os.environ.get("TXNG_DATABASE_URL", DEFAULT_ADMIN_URL)
    with ThrowawayDatabase(admin_url, "txng_bench_edge") as database:
        migrate(database.url)
        process = ingester(url, database.url, workdir)
        try:
            config = backlog(url, workdir, "puback", "puback")
            # Approved: a pending device's readings are held apart, never in `readings`.
            register_devices(database.url, [(config.site, config.device)])
            acked, stored = drain(config, stored=readings_of(database.url, config))
            print(f"through the ingester, on PUBACK: agent done at {acked:,.0f} items/s, "
                  f"all stored at {stored:,.0f} items/s", file=sys.stderr)
            config = backlog(url, workdir, "receipts", "receipt")
            register_devices(database.url, [(config.site, config.device)])
            receipted, _ = drain(config, until_receipts=True)
            print(f"through the ingester, on receipts: {receipted:,.0f} items/s",
                  file=sys.stderr)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return acked, stored, receipted


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def steady(url: str, workdir: Path) -> tuple[float, float]:
    readers: list[dict[str, object]] = [
        {"type": "simulated_temperature", "name": f"probe-{i}", "location": "cold",
         "interval_s": 1.0} for i in range(20)
    ]
    readers.append({"type": "simulated_scanner", "name": "scanner", "location": "cold",
                    "biz_step": "storing", "rate_per_s": 2.0,
                    "batches": [{"gtin": "09506000134352", "lot": "L1"}]})
    path = workdir / "steady.yaml"
    document = device(url, workdir / "steady.sqlite", readers)
    document["delivery"] = {"confirm": "puback"}  # no ingester here: no receipts would come
    path.write_text(yaml.safe_dump(document))
    env = {**os.environ, "TXNG_LOG_LEVEL": "WARNING"}
    agent = subprocess.Popen([sys.executable, "-m", "txng.cli", "edge", "run", str(path)],
                             cwd=ROOT, env=env)
    try:
        time.sleep(STEADY_WARMUP_S)
        cpu0, t0 = proc_cpu_s(agent.pid), time.monotonic()
        time.sleep(STEADY_MEASURE_S)
        cpu1, t1 = proc_cpu_s(agent.pid), time.monotonic()
        rss = proc_rss_mb(agent.pid)
    finally:
        agent.terminate()
        agent.wait(timeout=20)
    return (cpu1 - cpu0) / (t1 - t0), rss


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="txng-bench-edge-") as tmp:
        workdir = Path(tmp)
        url, broker = start_broker(workdir)
        try:
            outage = device(url, workdir / "outage.sqlite", [])
            outage["delivery"] = {"confirm": "puback"}  # nobody reads: no receipts would come
            config = DeviceConfig.model_validate(outage)
            outbox = Outbox(config.outbox_path(), capacity=config.outbox.capacity)
            outbox.open()
            write_rate = asyncio.run(fill(outbox))
            outbox.close()
            print(f"outbox write: {write_rate:,.0f} items/s", file=sys.stderr)
            drain_rate, _ = drain(config)
            print(f"drain of {BACKLOG:,}: {drain_rate:,.0f} items/s", file=sys.stderr)
            acked_rate, stored_rate, receipts_rate = through_ingester(url, workdir)
            cpu, rss = steady(url, workdir)
            print(f"steady: cpu {cpu:.2%} of one core, rss {rss:.1f} MB", file=sys.stderr)
        finally:
            if broker is not None:
                broker.terminate()
                broker.wait(timeout=10)
    print(json.dumps({
        "outbox_write_items_per_s": round(write_rate),
        "drain_items_per_s": round(drain_rate),
        "drain_puback_acked_items_per_s": round(acked_rate),
        "drain_puback_stored_items_per_s": round(stored_rate),
        "drain_receipts_items_per_s": round(receipts_rate),
        "receipts_vs_puback_stored": round(receipts_rate / stored_rate, 3),
        "cpu_share_one_core": round(cpu, 4),
        "rss_mb": round(rss, 1),
    }))


if __name__ == "__main__":
    main()
