"""A response's head and body leave in one write; other writes pass, none lost or reordered."""

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from cloud.api.command import server_options
from cloud.api.main import create_app
from cloud.api.one_write import HeadWithBody
from cloud.settings.api import load_api_settings
from tests.support.broker import free_port
from tests.support.waiting import wait_for


class Recorded(asyncio.Transport):
    """A transport that keeps what it was asked to write, one entry per write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


def test_head_and_body_go_out_in_one_write_and_a_lone_head_at_the_end_of_the_turn() -> None:
    async def scenario() -> list[list[bytes]]:
        seen = []
        transport = Recorded()
        wrapped = HeadWithBody(transport, asyncio.get_running_loop())
        wrapped.hold_next_write()
        wrapped.write(b"HEAD1")
        assert transport.writes == [] and wrapped.get_write_buffer_size() == 5
        wrapped.write(b"BODY1")
        wrapped.write(b"MORE1")  # only the first write after a request's head waits
        seen.append(list(transport.writes))
        wrapped.hold_next_write()
        wrapped.write(b"HEAD2")  # a 204: no body follows
        await asyncio.sleep(0)
        seen.append(list(transport.writes))
        wrapped.hold_next_write()
        wrapped.write(b"HEAD3")
        wrapped.close()  # keep-alive timeout or shutdown: what is held goes first
        seen.append([*transport.writes, b"closed" if transport.closed else b"open"])
        return seen

    first, second, third = asyncio.run(scenario())
    assert first == [b"HEAD1BODY1", b"MORE1"]
    assert second == [*first, b"HEAD2"]
    assert third == [*second, b"HEAD3", b"closed"]


def test_abort_drops_the_held_write() -> None:
    async def scenario() -> list[bytes]:
        transport = Recorded()
        wrapped = HeadWithBody(transport, asyncio.get_running_loop())
        wrapped.hold_next_write()
        wrapped.write(b"HEAD")
        wrapped.abort()
        await asyncio.sleep(0)
        return transport.writes

    assert asyncio.run(scenario()) == []


@pytest.fixture
def server(database_url: str) -> Iterator[int]:
    settings = load_api_settings(database_url=database_url, api_port=free_port())
    instance = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    wait_for(lambda: instance.started or not thread.is_alive(), timeout=15)
    assert instance.started, "the API did not start"
    yield settings.api_port
    instance.should_exit = True
    thread.join(10)


def test_keep_alive_answers_arrive_whole_and_in_order(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        paths = ["/healthz", "/no-such-page", "/healthz"]
        sock.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for p in paths))
        data = b""
        statuses: list[int] = []
        while len(statuses) < len(paths):
            chunk = sock.recv(65536)
            assert chunk, f"closed after {statuses}"
            data += chunk
            while b"\r\n\r\n" in data:
                head, rest = data.split(b"\r\n\r\n", 1)
                fields = dict(
                    line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if line
                )
                length = int({k.lower(): v for k, v in fields.items()}["content-length"])
                if len(rest) < length:
                    break
                statuses.append(int(head.split()[1]))
                data = rest[length:]
    assert statuses == [200, 404, 200]
