"""A minimal MQTT 3.1.1 QoS 1 publisher for load generation: packets built once, sent in windows.

paho spends about 100 us of Python per QoS 1 message; a benchmark whose load generator runs on
the same two cores as the system under test would bill that to the system (bench/hostile.py
sends 120,000 messages in its attack phase). This client encodes every PUBLISH before the
phase starts, keeps up to `window` unacknowledged, and counts PUBACKs; nothing else of MQTT.
"""

import socket
import ssl
import struct
from collections.abc import Sequence

from plumbing.mqtt_url import MqttEndpoint

CONNECT, CONNACK, PUBLISH_QOS1, PUBACK = 0x10, 0x20, 0x32, 0x40


def _length(value: int) -> bytes:
    """MQTT's variable byte integer."""
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def publish_packet(topic: str, payload: bytes, packet_id: int) -> bytes:
    """One QoS 1 PUBLISH."""
    body = _string(topic) + struct.pack("!H", packet_id) + payload
    return bytes([PUBLISH_QOS1]) + _length(len(body)) + body


class RawPublisher:
    """One MQTT 3.1.1 connection (clean session, no keep-alive) that publishes with QoS 1."""

    def __init__(self, endpoint: MqttEndpoint, client_id: str, *, window: int = 100):
        if not 1 <= window <= 65535:
            raise ValueError("window must be 1..65535")
        self.window = window
        plain = socket.create_connection((endpoint.host, endpoint.port), timeout=60)
        plain.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock: socket.socket = plain
        if endpoint.tls:
            tls = ssl.create_default_context()
            self._sock = tls.wrap_socket(plain, server_hostname=endpoint.host)
        flags, login = 0x02, b""  # clean session
        if endpoint.username is not None:
            flags |= 0x80
            login += _string(endpoint.username)
            if endpoint.password is not None:
                flags |= 0x40
                login += _string(endpoint.password)
        body = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 0) + _string(client_id)
        body += login
        self._sock.sendall(bytes([CONNECT]) + _length(len(body)) + body)
        answer = self._read_exactly(4)
        if answer[0] != CONNACK or answer[3] != 0:
            raise ConnectionError(f"the broker refused the connection: {answer.hex()}")
        self._next_id = 0

    def packets(self, messages: Sequence[tuple[str, bytes]]) -> list[bytes]:
        """The PUBLISH packets of `messages`, with packet ids that are unique within a window."""
        out = []
        for topic, payload in messages:
            self._next_id = self._next_id % 65535 + 1
            out.append(publish_packet(topic, payload, self._next_id))
        return out

    def send(self, packets: Sequence[bytes]) -> int:
        """Send `packets` keeping at most `window` unacknowledged; return PUBACKs received."""
        sent = acked = 0
        pending = b""
        while acked < len(packets):
            if sent < len(packets) and sent - acked < self.window:
                batch = packets[sent : sent + self.window - (sent - acked)]
                self._sock.sendall(b"".join(batch))
                sent += len(batch)
            data = pending + self._sock.recv(65536)
            if len(data) == len(pending):
                raise ConnectionError("the broker closed the connection")
            whole = len(data) - len(data) % 4
            for at in range(0, whole, 4):
                if data[at] != PUBACK or data[at + 1] != 2:
                    raise ConnectionError(f"expected PUBACK, got {data[at : at + 4].hex()}")
            acked += whole // 4
            pending = data[whole:]
        return acked

    def close(self) -> None:
        """DISCONNECT and close."""
        try:
            self._sock.sendall(b"\xe0\x00")
        finally:
            self._sock.close()

    def _read_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            data += chunk
        return data
