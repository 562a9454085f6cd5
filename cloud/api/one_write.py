"""A response's head and its body in one write to the socket, instead of two.

uvicorn writes a response's status line and headers as soon as the application starts the
response, then the body: two send() system calls (and two TCP segments, two wake-ups of the
client) for every small answer. This transport holds the first write after a request's head
arrived until the next write or the end of the event loop's turn, whichever comes first, and
sends them together; every other write goes straight through.
"""

import asyncio
from typing import Any


class HeadWithBody(asyncio.Transport):
    """Wraps a transport: holds a response's first write for the write that follows it."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._hold_next = False
        self._held: bytes | None = None

    def hold_next_write(self) -> None:
        """A request's head is complete: its response's first write waits for the second."""
        self._hold_next = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send `data` (with the held write before it, if any)."""
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        elif self._hold_next:
            self._hold_next = False
            self._held = bytes(data)
            self._loop.call_soon(self._release)
            return
        self._transport.write(data)

    def _release(self) -> None:
        """No second write came in this turn of the loop: send the held one alone."""
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def writelines(self, list_of_data: Any) -> None:
        """Send each buffer in order."""
        for data in list_of_data:
            self.write(data)

    def close(self) -> None:
        """Send what is held, then close."""
        self._release()
        self._transport.close()

    def abort(self) -> None:
        """Drop what is held and close at once."""
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        """Whether the transport is closing or closed."""
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """The wrapped transport's information (peer name, socket, …)."""
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        """Stop receiving."""
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        """Receive again."""
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        """Whether the transport receives."""
        return self._transport.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Flow control's limits of the wrapped transport."""
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        """Bytes waiting to be sent, the held write included."""
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def get_write_buffer_limits(self) -> tuple[int, int]:
        """Flow control's limits of the wrapped transport."""
        return self._transport.get_write_buffer_limits()

    def can_write_eof(self) -> bool:
        """Whether the wrapped transport can half-close."""
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        """Send what is held, then half-close."""
        self._release()
        self._transport.write_eof()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        """Give the wrapped transport another protocol."""
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        """The wrapped transport's protocol."""
        return self._transport.get_protocol()
