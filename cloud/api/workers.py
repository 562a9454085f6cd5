"""Several API worker processes, each listening on its own SO_REUSEPORT socket of one port.

uvicorn's own workers share one listening socket: whichever process wakes first accepts, so
long-lived keep-alive connections pile up unevenly (17 and 33 of 50 seen) and the busier
worker's clients wait longer. Here each worker binds the port itself with SO_REUSEPORT and the
kernel spreads new connections across the workers' sockets by a hash of each connection's
addresses. The parent only supervises, as plumbing/workers.py does for threads: a worker that
died is logged and counted and started again after an exponential backoff (afresh once a worker
has run healthily for a while); past `max_crashes` deaths of one worker within
`crash_window_s` the parent stops the others and exits EXIT_WORKER_FAILED, so that systemd or
compose start the API afresh. A worker that failed to start stops them all at once (exit 1).
SIGTERM/SIGINT are passed on, so each worker finishes its requests, and cut a backoff short.
SO_REUSEPORT lets another process of the same user bind the port too; run one API per port.
Connections waiting in a dying worker's accept queue are reset with it, and until every worker
listens (a few seconds after start) the first ones take all new connections.
"""

import contextlib
import logging
import multiprocessing
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from plumbing.crashes import CrashWindow
from plumbing.logs import configure_logging
from plumbing.workers import EXIT_WORKER_FAILED, Backoff

log = logging.getLogger(__name__)
_spawn = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class RestartPolicy:
    """When a dead worker starts again, and when the parent gives up on it."""

    backoff: Backoff = field(default_factory=lambda: Backoff(initial_s=0.5, max_s=30.0))
    # the in-process workers' limit (plumbing/workers.py): then a fresh start of the whole API
    max_crashes: int = 5
    crash_window_s: float = 300.0
    # a worker up this long was healthy: its next death waits the first backoff again
    healthy_after_s: float = 60.0


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(options: dict[str, Any], log_level: str) -> None:
    """One worker: the application from TXNG_*, served with uvicorn `options` on its socket."""
    configure_logging(log_level)
    try:
        sock = reuse_port_socket(options["host"], options["port"])
    except OSError as err:
        log.error("cannot listen on %s:%s: %s", options["host"], options["port"], err)
        raise SystemExit(STARTUP_FAILURE) from err
    config = uvicorn.Config("cloud.api.main:app_from_environment", factory=True, **options)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class _Slot:
    """One worker's place: its process, its deaths, and when it may start again."""

    def __init__(self, options: dict[str, Any], log_level: str, policy: RestartPolicy):
        self._args = (options, log_level)
        self._policy = policy
        self._crashes = CrashWindow(policy.max_crashes, policy.crash_window_s)
        self._deaths_in_a_row = 0
        self._started_at = 0.0
        self.process: SpawnProcess | None = None
        self.restart_at: float | None = None

    def start(self) -> None:
        """Start a worker process in this place."""
        self.process = _spawn.Process(target=_worker, args=self._args, name="txng-api")
        self.process.start()
        self._started_at = time.monotonic()
        self.restart_at = None

    def ended(self, process: SpawnProcess) -> bool:
        """Log and count the death of this place's worker and plan its restart; False: give up."""
        now = time.monotonic()
        self.process = None
        if now - self._started_at >= self._policy.healthy_after_s:
            self._deaths_in_a_row = 0
        self._deaths_in_a_row += 1
        deaths = self._crashes.record()
        window_s = self._policy.crash_window_s
        if self._crashes.too_many(deaths):
            log.critical(
                "API worker %s ended (%s); deaths within %.0f s: %d; stopping the others",
                process.pid, process.exitcode, window_s, deaths,
            )
            return False
        delay = self._policy.backoff.delay(self._deaths_in_a_row)
        self.restart_at = now + delay
        log.error(
            "API worker %s ended (%s); deaths within %.0f s: %d; starting another in %.1f s",
            process.pid, process.exitcode, window_s, deaths, delay,
        )
        return True


def _supervise(slots: list[_Slot], stop: threading.Event, woken: socket.socket) -> int:
    """Restart dead workers until `stop` is set; the exit status (nonzero: all must stop)."""
    while not stop.is_set():
        running = [slot.process.sentinel for slot in slots if slot.process]
        due = [slot.restart_at for slot in slots if slot.restart_at is not None]
        timeout = max(min(due) - time.monotonic(), 0.0) if due else None
        wait([*running, woken], timeout)  # a worker's end, a signal, or a restart due
        if stop.is_set():
            break
        for slot in slots:
            process = slot.process
            if process is not None and not process.is_alive():
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    log.error("an API worker failed to start: stopping the others")
                    return 1
                if not slot.ended(process):
                    return EXIT_WORKER_FAILED
            if slot.restart_at is not None and slot.restart_at <= time.monotonic():
                slot.start()
    return 0


def serve_workers(
    count: int, options: dict[str, Any], log_level: str, *, policy: RestartPolicy | None = None
) -> int:
    """Run `count` workers: 0 once signalled, 1 if one failed to start, 70 if one kept dying."""
    stop = threading.Event()
    woken, waker = socket.socketpair()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        with contextlib.suppress(OSError):  # (closed once the workers are stopped)
            waker.send(b"\0")  # wakes the wait in _supervise

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    slots = [_Slot(options, log_level, policy or RestartPolicy()) for _ in range(count)]
    with woken, waker:
        for slot in slots:
            slot.start()
        code = _supervise(slots, stop, woken)
        running = [slot.process for slot in slots if slot.process]
        for process in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests under way
        for process in running:
            process.join()
    return code
