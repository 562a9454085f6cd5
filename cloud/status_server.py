"""The status endpoints of a worker process (ingester, forwarder): `/metrics` and `/healthz`.

`/healthz` answers 200 while every supervised worker is alive and not stuck, and 503 with the
workers' states when one is dead or stuck (so a container health check or a load balancer
sees what `/metrics` alone would hide). `/metrics` is the process's Prometheus registry plus
one series per worker (`txng_worker_*{worker=…}`).
"""

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from plumbing.workers import Workers, WorkerState

log = logging.getLogger(__name__)

Details = Callable[[], dict[str, object]]


class WorkerCollector(Collector):
    """Prometheus series for each worker of a group: health, state, steps, crashes, restarts."""

    def __init__(self, workers: Workers):
        self._workers = workers

    def collect(self) -> Iterator[Metric]:
        """One sample per worker (and per state for the state gauge)."""
        label = ["worker"]
        healthy = GaugeMetricFamily(
            "txng_worker_healthy", "1 while the worker is neither dead nor stuck", labels=label
        )
        state = GaugeMetricFamily(
            "txng_worker_state", "1 for the state the worker is in", labels=["worker", "state"]
        )
        since = GaugeMetricFamily(
            "txng_worker_seconds_since_beat",
            "Seconds since the worker last started a step or beat",
            labels=label,
        )
        counters = {
            name: CounterMetricFamily(f"txng_worker_{name}", text, labels=label)
            for name, text in (
                ("steps", "Units of work done"),
                ("crashes", "Unexpected exceptions (each one restarts the worker)"),
                ("restarts", "Restarts after a crash"),
                ("retries", "Retries after a transient error (database unavailable, …)"),
            )
        }
        for health in self._workers.health():
            name = [health.name]
            healthy.add_metric(name, 1.0 if health.healthy else 0.0)
            since.add_metric(name, health.seconds_since_beat)
            for each in WorkerState:
                state.add_metric([health.name, each.value], float(each is health.state))
            for key, family in counters.items():
                family.add_metric(name, float(getattr(health, key)))
        yield healthy
        yield state
        yield since
        yield from counters.values()


def health_document(workers: Workers, details: Details | None = None) -> tuple[int, bytes]:
    """The /healthz answer: (200 or 503, JSON body)."""
    healthy = workers.healthy() and not workers.failed.is_set()
    body: dict[str, object] = {
        "status": "ok" if healthy else "failing",
        "workers": [health.as_dict() for health in workers.health()],
    }
    if workers.failure:
        body["failure"] = workers.failure
    if details is not None:
        body.update(details())
    return (200 if healthy else 503), json.dumps(body).encode()


class StatusServer:
    """Serves /metrics and /healthz for one process in a background thread."""

    def __init__(
        self, registry: CollectorRegistry, workers: Workers, *, details: Details | None = None
    ):
        registry.register(WorkerCollector(workers))
        self._registry = registry
        self._workers = workers
        self._details = details
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int, host: str = "0.0.0.0") -> int:
        """Listen on `host:port` (0: any free port); return the port."""
        server = ThreadingHTTPServer((host, port), self._handler())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="status-server", daemon=True
        )
        self._thread.start()
        return int(server.server_address[1])

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry, workers, details = self._registry, self._workers, self._details

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, generate_latest(registry), "text/plain; version=0.0.4")
                elif path == "/healthz":
                    status, body = health_document(workers, details)
                    self._answer(status, body, "application/json")
                else:
                    self._answer(404, b'{"error": "not found"}', "application/json")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("status request: " + format, *args)

        return Handler
