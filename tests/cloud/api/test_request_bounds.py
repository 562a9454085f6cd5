"""Requests bounded while they stream, on a real uvicorn server over real sockets.

A body larger than its route takes is refused (413) before it is read or as it streams past
the limit; a body that stalls or trickles is cut off (408); neither holds a database
connection meanwhile: with a pool of one, other requests are served during a slow upload.
A request head that is too large or too slow is refused by the server (400, closed).
"""

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from cloud.api.command import server_options
from cloud.api.http_protocol import BoundedHeadProtocol
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.support.broker import free_port
from tests.support.waiting import wait_for


@pytest.fixture
def server(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(BoundedHeadProtocol, "head_timeout_s", 1.0)
    settings = load_api_settings(
        database_url=database_url,
        api_port=free_port(),
        api_database_connections=1,
        api_max_body_bytes=4096,
        api_body_idle_timeout_s=0.5,
        api_body_timeout_s=2.0,
    )
    instance = uvicorn.Server(uvicorn.Config(create_app(settings), **server_options(settings)))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    wait_for(lambda: instance.started or not thread.is_alive(), timeout=15)
    assert instance.started, "the API did not start"
    yield settings.api_port
    instance.should_exit = True
    thread.join(10)


def _open(port: int, path: str, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    lines = [f"POST {path} HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(status_line.split()[1]), headers, json.loads(body)


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(server):
    sock = _open(server, "/api/me", {"Content-Length": "5000", "Content-Type": "application/json"})
    status, headers, body = _answer(sock)  # nothing of the body was sent
    assert status == 413 and headers["connection"] == "close"
    assert body["error"]["code"] == "too_large"
    sock.close()


def test_a_chunked_body_is_refused_when_it_streams_past_the_limit(server):
    sock = _open(server, "/login", {"Transfer-Encoding": "chunked"})
    for _ in range(40):  # 40 KiB against the login form's 16 KiB
        try:
            sock.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
        except OSError:  # refused and closed while we were still sending
            break
    status, _, body = _answer(sock)
    assert status == 413 and body["error"]["code"] == "too_large"
    sock.close()


def test_a_stalled_upload_is_cut_off_without_holding_a_database_connection(server):
    # The login route takes a database cursor; its body never finishes arriving.
    sock = _open(server, "/login", {"Content-Length": "1000"})
    sock.sendall(b"username=a&password=")
    # With a pool of one connection, the database still serves other requests meanwhile.
    health = httpx.get(f"http://127.0.0.1:{server}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] is True
    status, headers, body = _answer(sock)
    assert status == 408 and headers["connection"] == "close"
    assert body["error"]["code"] == "request_timeout"
    assert body["error"]["message"] == "the request body was silent for 0.5 s"
    sock.close()


def test_a_trickling_upload_is_cut_off_at_the_total_time(server):
    sock = _open(server, "/login", {"Content-Length": "1000"})
    sock.settimeout(0.2)  # a byte every 0.2 s: never silent for the idle timeout (0.5 s)
    for _ in range(30):  # about 6 s: the total time (2 s) cuts it off before
        try:
            sock.sendall(b"a")
            if sock.recv(1, socket.MSG_PEEK):
                break  # answered
        except TimeoutError:
            continue
        except OSError:
            break
    sock.settimeout(10)
    status, _, body = _answer(sock)
    assert status == 408 and body["error"]["code"] == "request_timeout"
    # cut off by the total time, never by the idle time (it was never silent that long)
    assert body["error"]["message"] == "the request body was not complete after 2 s"
    sock.close()


def test_bodies_within_their_limits_reach_their_routes(server):
    own = {"Origin": f"http://127.0.0.1:{server}"}  # from our own login page
    login = httpx.post(
        f"http://127.0.0.1:{server}/login",
        data={"username": "nobody", "password": "x" * 9000},
        headers=own,
    )
    assert login.status_code == 401  # 9 KB: over the JSON default, within the form's 16 KiB
    too_big = httpx.post(
        f"http://127.0.0.1:{server}/login", data={"password": "x" * 20_000}, headers=own
    )
    assert too_big.status_code == 413


def test_a_request_head_too_large_is_refused_and_closed(server):
    sock = socket.create_connection(("127.0.0.1", server), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
    try:
        for n in range(100):  # 100 headers of 1 KiB, never finished
            sock.sendall(f"X-Pad-{n}: ".encode() + b"a" * 1024 + b"\r\n")
    except OSError:
        pass  # refused and closed while we were still sending
    answer = sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Request head too large." in answer
    sock.close()


def test_a_request_head_too_slow_is_refused_and_closed(server):
    sock = socket.create_connection(("127.0.0.1", server), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
    sock.settimeout(0.3)  # a header line every 0.3 s at the most: never done
    answer, lines = b"", 0
    while not answer and lines < 30:
        try:
            sock.sendall(b"X-Slow: 1\r\n")
            lines += 1
            answer = sock.recv(1024)
        except TimeoutError:
            continue
        except OSError:
            break
    assert b"Request head too slow." in answer
    assert lines >= 3  # the head had its second: refused for its time, not for a line
    sock.close()
