"""What the embedded services share: their error and a free port."""

import socket


class EmbeddedServiceError(Exception):
    """An embedded service could not be started; the message says why and what to do."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
