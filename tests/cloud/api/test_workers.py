"""Several API workers: each listens on its own SO_REUSEPORT socket, dead ones are replaced."""

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Iterator

import pytest

from tests.support.broker import free_port
from tests.support.processes import TxngProcess
from tests.support.waiting import wait_for


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


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


def _two_workers(database_url: str, port: int) -> TxngProcess:
    """`txng cloud api` with two workers on `port`."""
    env = {
        "TXNG_DATABASE_URL": database_url,
        "TXNG_API_HOST": "127.0.0.1",
        "TXNG_API_PORT": str(port),
        "TXNG_API_WORKERS": "2",
    }
    return TxngProcess(["cloud", "api"], env)


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[TxngProcess, int]]:
    port = free_port()
    process = _two_workers(database_url, port)
    pid = process.process.pid
    try:
        yield process, port
    finally:
        workers = _children(pid) if process.process.poll() is None else []
        process.stop()
        for worker in workers:  # none should be left; never leave one running
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


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
