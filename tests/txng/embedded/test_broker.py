"""The embedded amqtt broker keeps a client whose connection overlaps another's SUBSCRIBE."""

import logging
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from txng.embedded import EmbeddedBroker

pytest.importorskip("amqtt", reason="the demo extra (amqtt) is not installed")


def _send_buffer_max() -> int:
    """The most a TCP socket's send buffer may grow to (Linux), else 4 MiB."""
    limits = Path("/proc/sys/net/ipv4/tcp_wmem")
    return int(limits.read_text().split()[2]) if limits.exists() else 4 * 1024 * 1024


BIG = max(8 * 1024 * 1024, 2 * _send_buffer_max())  # more than the kernel can hold in flight
TIMEOUT_S = 60.0  # a safety net for a stuck test on a busy machine, not a measurement


def _packet(kind: int, body: bytes) -> bytes:
    """An MQTT 3.1.1 packet: fixed header (type and flags, remaining length), then `body`."""
    length, header = len(body), bytearray([kind])
    while True:
        length, digit = divmod(length, 128)
        header.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


def _text(value: str) -> bytes:
    return struct.pack("!H", len(value)) + value.encode()


def _connect(client_id: str) -> bytes:
    flags = bytes([4, 0x02]) + struct.pack("!H", 60)  # MQTT 3.1.1, clean session, keepalive
    return _packet(0x10, _text("MQTT") + flags + _text(client_id))


def _subscribe(topic_filter: str) -> bytes:
    return _packet(0x82, struct.pack("!H", 1) + _text(topic_filter) + bytes([0]))


def _publish_retained(topic: str, payload: bytes) -> bytes:
    return _packet(0x33, _text(topic) + struct.pack("!H", 1) + payload)  # QoS 1, retain


class RawClient:
    """An MQTT client on a plain socket, so the test decides when it reads."""

    def __init__(self, port: int, client_id: str, *, receive_buffer: int | None = None):
        self.sock = socket.socket()
        if receive_buffer is not None:  # set before connecting: the window the peer sees
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(TIMEOUT_S)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(_connect(client_id))
        assert self.read_packet() == (0x20, b"\x00\x00"), "no CONNACK accepting the connection"

    def read_exactly(self, count: int) -> bytes:
        chunks, left = [], count
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                raise ConnectionError(f"the broker closed the connection ({left} bytes unread)")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def read_header(self) -> tuple[int, int]:
        """The next packet's type byte and remaining length."""
        kind, length, shift = self.read_exactly(1)[0], 0, 0
        while True:
            digit = self.read_exactly(1)[0]
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                return kind, length

    def read_packet(self) -> tuple[int, bytes]:
        kind, length = self.read_header()
        return kind, self.read_exactly(length)

    def read_past_publishes(self) -> tuple[int, bytes]:
        """The next packet that is not a PUBLISH (amqtt hands out others' retained messages)."""
        while True:
            kind, body = self.read_packet()
            if kind & 0xF0 != 0x30:
                return kind, body

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    instance = EmbeddedBroker()
    instance.start()
    yield instance
    instance.stop()


def test_a_subscribe_while_a_client_gets_its_retained_messages_does_not_drop_that_client(
    broker: EmbeddedBroker, caplog: pytest.LogCaptureFixture
) -> None:
    # amqtt 0.12 sends a connecting client the retained messages of every subscribed filter,
    # iterating its dict of filters with an await per matching filter; another client's
    # SUBSCRIBE to a new filter during that await used to raise "dictionary changed size
    # during iteration" in the connection handler: the client was cut off, and its session,
    # still marked connected, was taken over when it came back (the demo's console noise).
    holder = RawClient(broker.port, "holder")
    holder.sock.sendall(_publish_retained("demo/big", b"x" * BIG))
    assert holder.read_packet() == (0x40, b"\x00\x01")  # PUBACK: the message is retained
    holder.sock.sendall(_subscribe("demo/#"))  # the filter the newcomer's retained copy matches
    assert holder.read_packet() == (0x90, b"\x00\x01\x00")
    kind, length = holder.read_header()  # the retained message, sent to the subscriber
    assert (kind & 0xF0, length >= BIG) == (0x30, True)
    holder.read_exactly(length)

    newcomer = RawClient(broker.port, "newcomer", receive_buffer=4096)
    kind, length = newcomer.read_header()  # the broker is writing it: it awaits the write
    assert (kind & 0xF0, length >= BIG) == (0x30, True)
    other = RawClient(broker.port, "other")
    other.sock.sendall(_subscribe("other/topic"))  # a new filter while the broker awaits
    assert other.read_past_publishes() == (0x90, b"\x00\x01\x00")

    newcomer.read_exactly(length)  # the write completes, the broker carries on
    newcomer.sock.sendall(_packet(0xC0, b""))  # PINGREQ
    assert newcomer.read_packet() == (0xD0, b""), "no PINGRESP: the newcomer was cut off"
    for client in (holder, newcomer, other):
        client.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
