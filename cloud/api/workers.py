"""Several API worker processes, each listening on its own SO_REUSEPORT socket of one port.

uvicorn's own workers share one listening socket: whichever process wakes first accepts, so
long-lived keep-alive connections pile up unevenly (17 and 33 of 50 seen) and the busier
worker's clients wait longer. Here each worker binds the port itself with SO_REUSEPORT and the
kernel spreads new connections across the workers' sockets by a hash of each connection's
addresses. The parent only supervises: it restarts a worker that died (unless it failed to
start: then it stops them all) and passes SIGTERM/SIGINT on, so each worker finishes its
requests. SO_REUSEPORT lets another process of the same user bind the port too; run one API
per port. Connections waiting in a dying worker's accept queue are reset with it, and until
every worker listens (a few seconds after start) the first ones take all new connections.
"""

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.context import SpawnProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from plumbing.logs import configure_logging

log = logging.getLogger(__name__)
_spawn = multiprocessing.get_context("spawn")


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


def serve_workers(count: int, options: dict[str, Any], log_level: str) -> int:
    """Run `count` workers until SIGTERM or SIGINT; 1 if one failed to start."""
    stop = threading.Event()

    def start() -> SpawnProcess:
        process = _spawn.Process(target=_worker, args=(options, log_level), name="txng-api")
        process.start()
        return process

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    workers = [start() for _ in range(count)]
    failed = False
    while not stop.wait(0.5):
        for i, process in enumerate(workers):
            if process.is_alive():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("an API worker failed to start: stopping the others")
                failed = True
                stop.set()
                break
            log.warning("API worker %s ended (%s): starting another", process.pid, process.exitcode)
            workers[i] = start()
    for process in workers:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes the requests under way
    for process in workers:
        process.join()
    return 1 if failed else 0
