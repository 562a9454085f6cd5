"""The demo's web UI holds its port from the moment it chooses it."""

import socket

import pytest

from txng.demo.web import listening_socket


def _bind(port: int) -> None:
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))
        other.listen()


def test_the_chosen_port_cannot_be_taken_before_the_server_starts() -> None:
    sock = listening_socket(0)
    try:
        port = sock.getsockname()[1]
        with pytest.raises(OSError):  # another demo starting at the same time
            _bind(port)
    finally:
        sock.close()
    _bind(port)  # released with the socket


def test_a_taken_port_falls_back_to_a_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        wanted = taken.getsockname()[1]
        sock = listening_socket(wanted)
        try:
            assert sock.getsockname()[1] not in (wanted, 0)
        finally:
            sock.close()
