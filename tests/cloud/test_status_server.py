"""/healthz and /metrics of a worker process: 503 as soon as a worker is dead or stuck."""

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry

from cloud.status_server import StatusServer
from plumbing.workers import Backoff, SupervisedWorker, Workers
from tests.support.waiting import wait_for

HEALTHCHECK = Path(__file__).resolve().parents[2] / "deploy" / "docker" / "healthcheck.py"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _container_check(url: str) -> int:
    """The compose health check's command, as the container runs it."""
    return subprocess.run([sys.executable, str(HEALTHCHECK), "ready", url], timeout=10).returncode


def test_healthz_fails_when_a_worker_dies_and_metrics_show_each_worker() -> None:
    poisoned = threading.Event()

    def fragile() -> bool:
        if poisoned.is_set():
            raise ValueError("poison")
        return False

    workers = Workers()
    workers.add(SupervisedWorker("steady", lambda: False, idle_wait_s=0.01))
    workers.add(
        SupervisedWorker(
            "fragile", fragile, idle_wait_s=0.01, max_crashes=1, backoff=Backoff(0.01, 0.01)
        )
    )
    server = StatusServer(CollectorRegistry(), workers, details=lambda: {"queue_depth": 3})
    port = server.start(0, host="127.0.0.1")
    url = f"http://127.0.0.1:{port}"
    workers.start()
    try:
        wait_for(lambda: all(h.steps for h in workers.health()))
        status, body = _get(f"{url}/healthz")
        assert status == 200
        document = json.loads(body)
        assert document["status"] == "ok" and document["queue_depth"] == 3
        assert [w["name"] for w in document["workers"]] == ["steady", "fragile"]
        assert _container_check(f"{url}/healthz") == 0

        poisoned.set()
        wait_for(workers.failed.is_set)
        status, body = _get(f"{url}/healthz")
        document = json.loads(body)
        assert status == 503 and document["status"] == "failing"
        assert document["failure"] == "worker fragile is dead (ValueError: poison)"
        assert _container_check(f"{url}/healthz") == 1

        metrics = _get(f"{url}/metrics")[1].decode()
        assert 'txng_worker_healthy{worker="steady"} 1.0' in metrics
        assert 'txng_worker_healthy{worker="fragile"} 0.0' in metrics
        assert 'txng_worker_state{state="dead",worker="fragile"} 1.0' in metrics
        assert 'txng_worker_crashes_total{worker="fragile"} 2.0' in metrics
        assert _get(f"{url}/other")[0] == 404
    finally:
        workers.stop(5)
        server.stop()
    assert _container_check(f"{url}/healthz") == 1  # nobody answers
