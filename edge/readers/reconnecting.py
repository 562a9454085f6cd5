"""A byte link that reopens itself when the device is unplugged, restarted or unreachable."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from edge.readers.links import ByteLink, LinkError

logger = logging.getLogger(__name__)


class ReconnectingLink:
    """Reads a device in a thread; on loss, backs off and reopens it (re-resolving patterns)."""

    def __init__(
        self,
        opener: Callable[[], ByteLink],
        *,
        name: str,
        reconnect_min_s: float = 0.5,
        reconnect_max_s: float = 30.0,
    ) -> None:
        self._opener = opener
        self._name = name
        self._delays = (reconnect_min_s, reconnect_max_s)
        self.link: ByteLink | None = None
        self.connects = 0
        self.link_errors = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        """Received bytes as they come; b"" after each silent read timeout."""
        delay = self._delays[0]
        while True:
            if self.link is None:
                try:
                    self.link = await asyncio.to_thread(self._opener)
                except LinkError as err:
                    self.link_errors += 1
                    logger.warning("%s: %s; retrying in %.1f s", self._name, err, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._delays[1])
                    continue
                self.connects += 1
                delay = self._delays[0]
                logger.info("%s: connected (%s)", self._name, getattr(self.link, "path", "?"))
                yield b""
            try:
                data = await asyncio.to_thread(self.link.read)
            except LinkError as err:
                self._lost(err)
                continue
            yield data

    async def write(self, data: bytes) -> bool:
        """Send bytes if connected; False (and a reconnect) when that fails."""
        link = self.link
        if link is None:
            return False
        try:
            await asyncio.to_thread(link.write, data)
        except LinkError as err:
            self._lost(err)
            return False
        return True

    def _lost(self, err: LinkError) -> None:
        self.link_errors += 1
        logger.warning("%s: link lost: %s", self._name, err)
        self.close()

    def close(self) -> None:
        """Close the current link, if any."""
        if self.link is not None:
            self.link.close()
            self.link = None
