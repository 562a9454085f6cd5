"""Several API workers: each listens on its own SO_REUSEPORT socket, dead ones are replaced
after a growing backoff, and one that keeps dying stops the API."""

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from plumbing.workers import EXIT_WORKER_FAILED
from tests.support.broker import free_port
from tests.support.processes import TxngProcess
from tests.support.waiting import wait_for


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:  # the process has ended
        return []


def _workers(pid: int) -> list[int]:
    """The API worker processes among `pid`'s children (not multiprocessing's resource tracker)."""
    found = []
    for child in _children(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                if b"spawn_main" in cmdline.read():
                    found.append(child)
        except OSError:  # ended meanwhile
            continue
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets on local `port` in `state` (0A: listening, 01: open)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return {r[9] for r in rows if int(r[1].split(":")[1], 16) == port and r[3] == state}


def _listeners(parent: int, port: int) -> dict[int, set[str]]:
    """Each worker process's listening sockets on `port` (processes with none left out)."""
    listening = _tcp_sockets(port, "0A")
    found = {pid: _socket_inodes(pid) & listening for pid in _children(parent)}
    return {pid: inodes for pid, inodes in found.items() if inodes}


async def _open(port: int, count: int) -> list[asyncio.StreamWriter]:
    """`count` keep-alive connections opened at once, each with a request answered."""

    async def one() -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /no-such-page HTTP/1.1\r\nHost: test\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        return writer

    return list(await asyncio.gather(*(one() for _ in range(count))))


def _two_workers(database_url: str, port: int, restarts: list[str] | None = None) -> TxngProcess:
    """`txng cloud api` with two workers on `port` (restart policy: tests.support.api_restarts)."""
    env = {
        "TXNG_DATABASE_URL": database_url,
        "TXNG_API_HOST": "127.0.0.1",
        "TXNG_API_PORT": str(port),
        "TXNG_API_WORKERS": "2",
    }
    if restarts is None:
        return TxngProcess(["cloud", "api"], env)
    return TxngProcess(restarts, env, module="tests.support.api_restarts")


StartApi = Callable[[list[str] | None], tuple[TxngProcess, int]]


@pytest.fixture
def start_api(database_url: str) -> Iterator[StartApi]:
    """Start two-worker APIs on free ports; none of their processes is left running after."""
    started: list[TxngProcess] = []

    def start(restarts: list[str] | None = None) -> tuple[TxngProcess, int]:
        port = free_port()
        started.append(_two_workers(database_url, port, restarts))
        return started[-1], port

    yield start
    for process in started:
        workers = _children(process.process.pid)
        process.stop()
        for worker in workers:  # none should be left; never leave one running
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


@pytest.fixture
def api(start_api: StartApi) -> tuple[TxngProcess, int]:
    return start_api(None)


def _policy(backoff_s: float, *, max_crashes: int, window_s: float, healthy_s: float) -> list[str]:
    """tests.support.api_restarts' arguments: a backoff doubling from `backoff_s`, no jitter."""
    return [
        "--backoff-s", str(backoff_s),
        "--max-crashes", str(max_crashes),
        "--window-s", str(window_s),
        "--healthy-after-s", str(healthy_s),
    ]


def _both_listening(pid: int, port: int) -> set[int]:
    return set(wait_for(lambda: len(_listeners(pid, port)) == 2 and _listeners(pid, port)))


def _newcomer(pid: int, known: set[int]) -> int:
    """The first child of `pid` not in `known`, as soon as it is started."""
    return wait_for(lambda: next((c for c in _workers(pid) if c not in known), 0), interval=0.005)


def test_each_worker_listens_on_its_own_socket_and_takes_a_share(api):
    process, port = api
    pid = process.process.pid
    listeners = wait_for(lambda: len(_listeners(pid, port)) == 2 and _listeners(pid, port))
    sockets = [inodes for inodes in listeners.values()]
    assert all(len(inodes) == 1 for inodes in sockets) and sockets[0] != sockets[1]
    assert not _socket_inodes(pid) & _tcp_sockets(port, "0A")  # the parent only supervises

    async def shares() -> list[int]:
        writers = await _open(port, 40)
        opened = _tcp_sockets(port, "01")
        counts = [len(_socket_inodes(worker) & opened) for worker in listeners]
        for writer in writers:
            writer.close()
        return counts

    counts = asyncio.run(shares())
    assert sum(counts) == 40
    # Spread by a hash of each connection's ports: 20 each on average, under 8 about once in
    # 100,000 runs (one shared socket gave 4 of 50 to one worker when they opened at once).
    assert min(counts) >= 8, counts


def test_a_dead_worker_is_replaced_and_sigterm_stops_them_all(api):
    process, port = api
    pid = process.process.pid
    first = set(wait_for(lambda: len(_listeners(pid, port)) == 2 and _listeners(pid, port)))
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    now = wait_for(
        lambda: (found := _listeners(pid, port)) and len(found) == 2 and victim not in found
        and found
    )
    assert (first - {victim}) < set(now)
    asyncio.run(_open(port, 4))  # answered
    workers = list(now)
    assert process.stop() == 0
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")]


def test_a_worker_that_cannot_listen_stops_the_api(database_url):
    with socket.socket() as taken:  # a listener without SO_REUSEPORT holds the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = _two_workers(database_url, taken.getsockname()[1])
        try:
            assert process.wait(60) == 1
        finally:
            process.stop()


def test_a_dying_worker_restarts_after_a_growing_backoff_reset_by_a_healthy_run(start_api):
    process, port = start_api(_policy(0.2, max_crashes=10, window_s=60, healthy_s=1))
    pid = process.process.pid
    known = _both_listening(pid, port)
    victims = [min(known)]
    delays = []
    for _ in range(4):
        killed_at = time.monotonic()
        os.kill(victims[-1], signal.SIGKILL)
        victims.append(_newcomer(pid, known))
        delays.append(time.monotonic() - killed_at)
        known.add(victims[-1])
        if len(delays) == 3:
            time.sleep(1.2)  # the fourth worker runs past healthy_after_s before it dies
    # 0.2 s, doubled by each death of a worker that lived under 1 s, afresh after one that did
    for delay, backoff in zip(delays, [0.2, 0.4, 0.8, 0.2], strict=True):
        assert backoff <= delay < backoff + 0.4, delays
    assert process.logged(f"API worker {victims[2]} ended (-9); deaths within 60 s: 3; "
                          "starting another in 0.8 s")
    asyncio.run(_open(port, 2))  # the other worker answered all along


def test_a_worker_that_keeps_dying_stops_the_api_non_zero(start_api):
    process, port = start_api(_policy(0.05, max_crashes=3, window_s=30, healthy_s=30))
    pid = process.process.pid
    victim, survivor = sorted(_both_listening(pid, port))
    killed = [victim]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while process.process.poll() is None:  # every worker started in the victim's place dies
        assert time.monotonic() < deadline, f"the API never gave up; killed {killed}"
        for child in set(_workers(pid)) - {survivor, *killed}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
            killed.append(child)
        time.sleep(0.005)
    assert process.wait() == EXIT_WORKER_FAILED
    assert len(killed) == 4, killed
    assert not os.path.exists(f"/proc/{survivor}")  # stopped by the parent
    process.wait_logged(f"API worker {killed[-1]} ended (-9); deaths within 30 s: 4; "
                        "stopping the others")


def test_sigterm_during_a_backoff_stops_the_api_at_once(start_api):
    process, port = start_api(_policy(30, max_crashes=3, window_s=60, healthy_s=60))
    pid = process.process.pid
    victim, survivor = sorted(_both_listening(pid, port))
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in _workers(pid))  # reaped: the parent saw it die
    time.sleep(1.0)
    assert _workers(pid) == [survivor]  # no other started during its 30 s backoff
    signalled = time.monotonic()
    process.process.terminate()
    assert process.wait(30) == 0
    assert time.monotonic() - signalled < 5  # not the 29 s left of the backoff
    assert not os.path.exists(f"/proc/{survivor}")
    assert process.logged(f"API worker {victim} ended (-9); deaths within 60 s: 1; "
                          "starting another in 30.0 s")
