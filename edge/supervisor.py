"""Runs each reader as its own task: errors are logged, counted, reported, and restarted."""

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from contract import ReaderHealth, ScanEvent, SensorReading
from edge.readers.base import Reader, ReaderConfigBase, TakenItem
from plumbing.cancellation import wait_for

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0
_HEALTHY_AFTER_S = 60.0  # a reader that ran this long starts its backoff afresh


class ReaderFault(Exception):
    """A reader misbehaved without raising: it stalled, ended, or yielded garbage."""


@dataclass
class _Health:
    state: Literal["running", "restarting", "failed", "stopped"] = "stopped"
    restarts: int = 0
    errors: int = 0
    last_error: str | None = None


class Supervisor:
    """Keeps every reader running; one reader's failure or hang never touches another."""

    def __init__(
        self,
        readers: Sequence[ReaderConfigBase],
        *,
        make: Callable[[ReaderConfigBase], Reader[Any]],
        sink: Callable[[TakenItem], Awaitable[object]],
        backoff_min_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        self._readers = list(readers)
        self._make = make
        self._sink = sink
        self._backoff = (backoff_min_s, backoff_max_s)
        self._health = {reader.name: _Health() for reader in readers}

    def health(self) -> dict[str, ReaderHealth]:
        """Each reader's state, restarts, errors and last error."""
        return {
            name: ReaderHealth(
                state=h.state, restarts=h.restarts, errors=h.errors, last_error=h.last_error
            )
            for name, h in list(self._health.items())
        }

    async def run(self) -> None:
        """Supervise all readers until cancelled (an agent with no readers only drains)."""
        if not self._readers:
            await asyncio.Event().wait()
        async with asyncio.TaskGroup() as group:
            for config in self._readers:
                group.create_task(self._supervise(config), name=f"reader:{config.name}")

    async def _supervise(self, config: ReaderConfigBase) -> None:
        loop = asyncio.get_running_loop()
        health = self._health[config.name]
        failures = 0
        try:
            while True:
                started = loop.time()
                reader: Reader[Any] | None = None
                try:
                    reader = self._make(config)
                    await wait_for(reader.start(), _START_TIMEOUT_S)
                    health.state = "running"
                    await self._forward(reader, config)
                except Exception as err:  # the supervisor: log, count, report, restart
                    failures = 1 if loop.time() - started > _HEALTHY_AFTER_S else failures + 1
                    health.errors += 1
                    health.last_error = f"{type(err).__name__}: {err}"[:500]
                    logger.error(
                        "reader %s failed (%d in a row): %s", config.name, failures,
                        health.last_error, exc_info=not isinstance(err, ReaderFault),
                    )
                finally:
                    if reader is not None:
                        await self._stop(reader, config)
                health.state = "restarting"
                low, high = self._backoff
                delay = min(low * 2 ** (failures - 1), high)
                await asyncio.sleep(random.uniform(delay / 2, delay))
                health.restarts += 1
        finally:
            health.state = "stopped"

    async def _forward(self, reader: Reader[Any], config: ReaderConfigBase) -> None:
        """Pass the reader's items to the sink until it fails; a watchdog catches a stall."""
        loop = asyncio.get_running_loop()
        progress = [loop.time()]
        stream = reader.items()

        async def pump() -> None:
            async for item in stream:
                if not isinstance(item, ScanEvent | SensorReading):
                    raise ReaderFault(f"yielded {type(item).__name__}, not a scan or reading")
                progress[0] = loop.time()
                await self._sink(item)
            raise ReaderFault("its stream of items ended")

        task = asyncio.create_task(pump(), name=f"pump:{config.name}")
        timeout = config.stall_timeout_s
        try:
            while not task.done():
                wait = None if timeout is None else max(progress[0] + timeout - loop.time(), 0)
                await asyncio.wait({task}, timeout=wait)
                if timeout is not None and loop.time() - progress[0] >= timeout:
                    raise ReaderFault(f"no item for {timeout} s (stalled)")
            task.result()
        finally:
            task.cancel()
            await asyncio.wait({task}, timeout=_STOP_TIMEOUT_S)
            await self._close_stream(stream, config)

    async def _close_stream(
        self, stream: AsyncIterator[TakenItem], config: ReaderConfigBase
    ) -> None:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await self._bounded(close(), f"reader {config.name} did not close its stream")

    async def _stop(self, reader: Reader[Any], config: ReaderConfigBase) -> None:
        await self._bounded(reader.stop(), f"reader {config.name} did not stop cleanly")

    async def _bounded(self, step: Awaitable[object], complaint: str) -> None:
        """Await a reader's clean-up step for a few seconds; a failure is logged, not raised."""
        try:
            await wait_for(step, _STOP_TIMEOUT_S)
        except Exception:  # the supervisor: a reader that cannot clean up is still replaced
            logger.warning(complaint, exc_info=True)
