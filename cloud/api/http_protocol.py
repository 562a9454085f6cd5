"""uvicorn's httptools protocol with every request head bounded in size and in time.

httptools (llhttp) reads request heads of any size (10 MB of headers were accepted in a
test), and uvicorn lets a client take all the time it wants to send one (slowloris). h11 has
a size bound but parses in Python. This subclass answers 400 and closes the connection when a
request head is still incomplete after `max_head_bytes` received since it began, or after
`head_timeout_s`; a new connection must begin its first request within `head_timeout_s` too.
A response's head and body leave in one write (cloud/api/one_write.py).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cloud.api.one_write import HeadWithBody


class BoundedHeadProtocol(HttpToolsProtocol):
    """HttpToolsProtocol refusing request heads that are too large or too slow."""

    max_head_bytes = 32 * 1024
    head_timeout_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._head_open = True  # until the first request's head is complete
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head; responses go out in one write each."""
        super().connection_made(transport)
        self.transport = self._one_write = HeadWithBody(transport, self.loop)
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._stop_head_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A request begins: its head is counted and timed from here."""
        super().on_message_begin()
        self._head_open = True
        self._head_bytes = 0
        self._start_head_clock()

    def on_headers_complete(self) -> None:
        """The head is complete: no more bounds on it."""
        self._head_open = False
        self._stop_head_clock()
        self._one_write.hold_next_write()
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        """Parse, then refuse the request if its head is still open past the size bound."""
        super().data_received(data)
        if self._head_open and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse("Request head too large.")

    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._head_open and not self.transport.is_closing():
            self._refuse("Request head too slow.")

    def _refuse(self, message: str) -> None:
        self._head_open = False
        self._stop_head_clock()
        self.logger.warning("refused a request: %s", message)
        self.send_400_response(message)
