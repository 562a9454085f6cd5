"""Helpers for reader tests: a context, item collection with a deadline, pty devices."""

import asyncio
import contextlib
import os
import threading
import tty
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from edge.clock import Clock, ClockSync
from edge.readers.base import Reader, ReaderContext, TakenItem

CONTEXT = ReaderContext(Clock(ClockSync.SYNCED))


async def collect(
    reader: Reader[Any],
    count: int,
    *,
    timeout: float = 10.0,
    during: Callable[[], Awaitable[None]] | None = None,
) -> list[TakenItem]:
    """Start `reader`, take `count` items (running `during` alongside), then stop it."""
    await reader.start()
    stream = reader.items()
    items: list[TakenItem] = []
    side = asyncio.ensure_future(during()) if during is not None else None
    try:
        async with asyncio.timeout(timeout):
            while len(items) < count:
                items.append(await anext(stream))
    finally:
        if side is not None:
            side.cancel()
            await asyncio.gather(side, return_exceptions=True)
        await stream.aclose()  # type: ignore[attr-defined]
        await reader.stop()
    return items


def run(coro: Awaitable[Any]) -> Any:
    """Run a coroutine to completion on a fresh loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


class FakeSerialDevice:
    """A serial device simulated by a pty: the reader opens a symlink to the pty's slave."""

    def __init__(self, link: Path) -> None:
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        self._slave = slave  # kept open so the pty survives until unplugged
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(self.slave_path)
        self.link = link

    def send(self, data: bytes) -> None:
        """Bytes from the device to the host."""
        os.write(self.master, data)

    def receive(self, timeout: float = 1.0) -> bytes:
        """Bytes the host sent to the device (b"" when none within `timeout`)."""
        import select

        ready, _, _ = select.select([self.master], [], [], timeout)
        return os.read(self.master, 4096) if ready else b""

    def unplug(self) -> None:
        """Remove the device: its name disappears and reads fail."""
        self.link.unlink(missing_ok=True)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class Responder(threading.Thread):
    """Answers a pty device's requests with `reply(request) -> bytes` until stopped."""

    def __init__(self, device: FakeSerialDevice, reply: Callable[[bytes], bytes]) -> None:
        super().__init__(daemon=True)
        self.device, self.reply, self.stopping = device, reply, threading.Event()
        self.requests: list[bytes] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                request = self.device.receive(0.05)
            except OSError:
                return
            if request:
                self.requests.append(request)
                answer = self.reply(request)
                if answer:
                    try:
                        self.device.send(answer)
                    except OSError:
                        return
