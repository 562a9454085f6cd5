"""Chaos: an edge agent, two ingesters and the broker SIGKILLed at random, database cuts.

The suite's chaos test and `bench/chaos.py` share this harness. Everything runs as real
processes: mosquitto with the project's dev config (persistence on, saved every 30 s, as in
production), two `txng cloud ingest` in one shared-subscription group, and `txng edge run`
with a simulated scanner and probe. After the kills, a reader-less agent drains the outbox and
the database is compared with what the outbox took.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg2
import yaml

from tests.support.broker import free_port, wait_port
from tests.support.seed import add_device
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SITE, DEVICE = "chaos", "pi-1"


@dataclass
class ChaosResult:
    """What a chaos run did and what the database holds afterwards."""

    kills: int
    broker_kills: int
    produced: int
    stored_once: int
    lost: int
    duplicates_stored: int
    resent: int
    agent_kills: int
    ingester_kills: int
    db_cuts: int
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The benchmark's last line: the issue's fields first, then the details."""
        return asdict(self)


class _Process:
    """One restartable subprocess, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(
                self.args, cwd=ROOT, env={**os.environ, **self.env}, stdout=sink, stderr=sink
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        if self.popen is not None:
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self) -> int:
        assert self.popen is not None
        if self.popen.poll() is None:
            self.popen.terminate()
        return self.popen.wait(timeout=60)


AGENT_WORK = 100  # items an agent takes (about half a second of its work) before it may be killed


class Chaos:
    """The processes under test and the chaos monkey that kills them."""

    def __init__(
        self, workdir: Path, database_url: str, *, seed: int, confirm: str = "receipt"
    ) -> None:
        self.workdir = workdir
        self.confirm = confirm
        self.database_url = database_url
        self.rng = random.Random(seed)
        self.port = free_port()
        self.outbox = workdir / "outbox.sqlite"
        self.counts = {"broker": 0, "agent": 0, "ingester": 0, "db": 0}
        self._taken_at_start = 0  # items the outbox had taken when the agent last started
        workdir.mkdir(parents=True, exist_ok=True)
        config = (ROOT / "deploy" / "mosquitto" / "dev.conf.in").read_text()
        config = config.replace("@PORT@", str(self.port)).replace("@DATA@", f"{workdir}/")
        (workdir / "mosquitto.conf").write_text(config)
        self.broker = _Process(
            "broker", ["mosquitto", "-c", str(workdir / "mosquitto.conf")], {},
            workdir / "mosquitto.log",
        )
        url = f"mqtt://127.0.0.1:{self.port}"
        self.ingesters = [
            _Process(f"ingest-{name}", [sys.executable, "-m", "txng.cli", "cloud", "ingest"], {
                "TXNG_DATABASE_URL": database_url,
                "TXNG_MQTT_URL": url,
                "TXNG_INGEST_CLIENT_ID": f"chaos-ingest-{name}",
                "TXNG_INGEST_SHARE_GROUP": "chaos",
                "TXNG_INGEST_METRICS_PORT": "0",
                "TXNG_INGEST_DERIVE": "false",
                "TXNG_NOTIFY": "false",
                "TXNG_INGEST_RETRY_MAX_S": "1",
                "TXNG_INGEST_BATCH_MAX_MESSAGES": "50",
                "TXNG_LOG_LEVEL": "WARNING",
            }, workdir / f"ingest-{name}.log")
            for name in ("a", "b")
        ]
        self._device = self._device_config(url)
        self.agent = self._agent("device.yaml", self._device)

    def _device_config(self, url: str) -> dict[str, Any]:
        return {
            "site": SITE,
            "device": DEVICE,
            "locations": {"line": {"kind": "packing_line"}},
            "mqtt": {"url": url, "reconnect_min_s": 0.1, "reconnect_max_s": 1.0},
            "outbox": {"path": str(self.outbox)},
            "delivery": {"confirm": self.confirm,
                         "receipt_timeout_s": 2.0, "receipt_timeout_max_s": 8.0},
            "batching": {"max_items": 50, "max_age_ms": 20},
            "status": {"heartbeat_s": 5.0},
            "clock": {"sync": "synced"},
            "readers": [
                {"type": "simulated_scanner", "name": "scanner", "location": "line",
                 "biz_step": "packing", "rate_per_s": 100.0,
                 "batches": [{"gtin": "09506000134352", "lot": "L1"}]},
                {"type": "simulated_temperature", "name": "probe", "location": "line",
                 "interval_s": 0.01},
            ],
        }

    def _agent(self, file: str, document: dict[str, Any]) -> _Process:
        path = self.workdir / file
        path.write_text(yaml.safe_dump(document))
        return _Process(
            "agent", [sys.executable, "-m", "txng.cli", "edge", "run", str(path)],
            {"TXNG_LOG_LEVEL": "WARNING"}, self.workdir / "agent.log",
        )

    def start(self) -> None:
        """Register the device, then start the broker, the ingesters and the agent."""
        add_device(self.database_url, SITE, DEVICE)  # approved: its data is not held
        self.broker.start()
        wait_port(self.port)
        for process in (*self.ingesters, self.agent):
            process.start()

    def run(self, kills: int, *, pause_s: tuple[float, float] = (0.2, 1.0)) -> None:
        """SIGKILL `kills` times (agent, an ingester or the broker) and cut the database now
        and then, each at a random instant; every victim is restarted at once."""
        victims = ["agent"] * 30 + ["ingester"] * 30 + ["broker"] * 15 + ["db"] * 25
        done = 0
        while done < kills:
            time.sleep(self.rng.uniform(*pause_s))
            for process in (*self.ingesters, self.agent):  # a crash is not a kill: restart it
                if not process.alive():
                    process.start()
            victim = self.rng.choice(victims)
            self.counts[victim] += 1
            if victim == "db":
                self._cut_database()
                continue
            done += 1
            if victim == "broker":
                self.broker.kill()
                self.broker.start()
                wait_port(self.port)
            elif victim == "agent":
                self._agent_running()
                self.agent.kill()
                self._taken_at_start = self._outbox()[0]
                self.agent.start()
            else:
                process = self.rng.choice(self.ingesters)
                process.kill()
                process.start()

    def _agent_running(self) -> None:
        """Wait until the agent has taken AGENT_WORK items since it was last started.

        A kill lands in the agent's working life, not in its start-up (which takes seconds on a
        busy machine: killed sooner, it would hardly take an item and the run would prove
        nothing); the pause before the kill stays random.
        """
        wanted = self._taken_at_start + AGENT_WORK
        wait_for(lambda: self._outbox()[0] >= wanted, timeout=120, interval=0.1,
                 failure=lambda: f"the agent took nothing since its start: {self._outbox()}")

    def _cut_database(self) -> None:
        name = self.database_url.rsplit("/", 1)[1]
        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg2.connect(admin) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        conn.close()

    def _outbox(self) -> tuple[int, int, int]:
        """Items taken, items published (counted at PUBACK) and items still in the outbox.

        Opened read-write, as the agent opens it: right after a SIGKILL the write-ahead log may
        need recovering, which a read-only connection refuses ("readonly database"); while a
        new agent creates or recovers the file, opening can fail for a moment: tried again.
        """
        return wait_for(self._read_outbox, timeout=60, interval=0.25)

    def _read_outbox(self) -> tuple[int, int, int] | None:
        if not self.outbox.exists():  # the agent has not created it yet: nothing taken
            return (0, 0, 0)
        try:
            with sqlite3.connect(self.outbox, timeout=10) as connection:
                counters = dict(connection.execute("SELECT name, value FROM counter").fetchall())
                depth = connection.execute("SELECT count(*) FROM item").fetchone()[0]
            connection.close()
        except sqlite3.OperationalError:
            return None
        return counters["next_seq"], counters["published"], depth

    def _stored(self) -> tuple[int, int, int, int]:
        """Rows, distinct ids, distinct seqs and seqs stored exactly once."""
        with psycopg2.connect(self.database_url) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT count(*), count(DISTINCT id), count(DISTINCT seq),"
                " count(*) FILTER (WHERE n = 1) FROM ("
                "  SELECT id, seq, count(*) OVER (PARTITION BY seq) AS n FROM ("
                "   SELECT id, seq FROM readings WHERE site_id = %(s)s AND device_id = %(d)s"
                "   UNION ALL"
                "   SELECT id, seq FROM events WHERE site_id = %(s)s AND device_id = %(d)s) x) y",
                {"s": SITE, "d": DEVICE},
            )
            row = cur.fetchone()
        conn.close()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def drain(self, timeout_s: float = 180.0) -> None:
        """Stop the chaos: a reader-less agent sends what is left until the outbox is empty."""
        for process in (self.broker, *self.ingesters):
            if not process.alive():
                process.start()
        self.agent.kill()
        self.agent = self._agent("drain.yaml", {**self._device, "readers": []})
        self.agent.start()
        produced = self._outbox()[0]
        if self.confirm == "receipt":
            wait_for(
                lambda: self._outbox()[2] == 0 and self._stored()[2] >= produced,
                timeout=timeout_s,
                interval=0.5,
                failure=lambda: f"not drained: outbox {self._outbox()}, stored {self._stored()}",
            )
            return
        # acknowledged by the broker is all an agent confirming on PUBACK waits for: what the
        # broker lost never comes; drained once the outbox is empty and nothing more arrives
        wait_for(lambda: self._outbox()[2] == 0, timeout=timeout_s, interval=0.5,
                 failure=lambda: f"outbox not empty: {self._outbox()}")
        seen: list[tuple[int, int, int, int]] = []

        def settled() -> bool:
            seen.append(self._stored())
            return len(seen) > 10 and seen[-1] == seen[-11]

        wait_for(settled, timeout=timeout_s, interval=0.5)

    def result(self, seconds: float) -> ChaosResult:
        """Counts of the run; call after `drain`."""
        produced, published, _ = self._outbox()
        rows, _, seqs, once = self._stored()
        return ChaosResult(
            kills=self.counts["broker"] + self.counts["agent"] + self.counts["ingester"],
            broker_kills=self.counts["broker"],
            agent_kills=self.counts["agent"],
            ingester_kills=self.counts["ingester"],
            db_cuts=self.counts["db"],
            produced=produced,
            stored_once=once,
            lost=produced - seqs,
            duplicates_stored=rows - seqs,  # twice under one id, or under two ids
            resent=max(published - produced, 0),
            seconds=round(seconds, 1),
        )

    def close(self) -> None:
        """Stop everything (the agent and ingesters cleanly, the broker last)."""
        for process in (self.agent, *self.ingesters, self.broker):
            if process.alive():
                try:
                    process.stop()
                except subprocess.TimeoutExpired:
                    process.kill()
