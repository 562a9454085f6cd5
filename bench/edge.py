"""Edge agent benchmark: outbox write rate, drain rate after an outage, steady CPU and RSS.

Run: python bench/edge.py  (uses TXNG_MQTT_URL when set, else starts its own mosquitto).
The last stdout line is one JSON object.
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
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contract import Quantity  # noqa: E402
from edge.agent import Agent  # noqa: E402
from edge.clock import Clock, ClockSync  # noqa: E402
from edge.config import DeviceConfig  # noqa: E402
from edge.outbox import Outbox  # noqa: E402
from edge.readers.base import ReaderContext  # noqa: E402

BACKLOG = 100_000
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


def drain(config: DeviceConfig) -> float:
    agent = Agent(config)
    thread = threading.Thread(target=asyncio.run, args=(agent.run(),))
    started = time.perf_counter()
    thread.start()
    while agent.publisher.acked_items < BACKLOG:
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    agent.stop()
    thread.join()
    return BACKLOG / elapsed


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
    path.write_text(yaml.safe_dump(device(url, workdir / "steady.sqlite", readers)))
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
            config = DeviceConfig.model_validate(device(url, workdir / "outage.sqlite", []))
            outbox = Outbox(config.outbox_path(), capacity=config.outbox.capacity)
            outbox.open()
            write_rate = asyncio.run(fill(outbox))
            outbox.close()
            print(f"outbox write: {write_rate:,.0f} items/s", file=sys.stderr)
            drain_rate = drain(config)
            print(f"drain of {BACKLOG:,}: {drain_rate:,.0f} items/s", file=sys.stderr)
            cpu, rss = steady(url, workdir)
            print(f"steady: cpu {cpu:.2%} of one core, rss {rss:.1f} MB", file=sys.stderr)
        finally:
            if broker is not None:
                broker.terminate()
                broker.wait(timeout=10)
    print(json.dumps({
        "outbox_write_items_per_s": round(write_rate),
        "drain_items_per_s": round(drain_rate),
        "cpu_share_one_core": round(cpu, 4),
        "rss_mb": round(rss, 1),
    }))


if __name__ == "__main__":
    main()
