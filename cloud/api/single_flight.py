"""Concurrent asks for one key in one event loop share a single run of the work."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """`run(key, work)`: the first asker of a key runs `work` itself, later ones await its result.

    The first asker runs the work inline (no task of its own, no extra turn of the loop).
    A later asker cancelled leaves the run alone; if the first asker is cancelled, the ones
    waiting start over. A run belongs to its event loop; an asker in another loop runs its own.
    """

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        """The result of the run for `key` under way, else of a run of `work` by this caller."""
        while True:
            running = self._running.get(key)
            if running is None or running.get_loop() is not asyncio.get_running_loop():
                return await self._lead(key, work)
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this asker was cancelled, not the run

    async def _lead(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        result: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._running[key] = result
        try:
            value = await work()
        except Exception as error:
            result.set_exception(error)
            result.exception()  # retrieved: no "never retrieved" log when nobody waited
            raise
        except BaseException:
            result.cancel()
            raise
        finally:
            if self._running.get(key) is result:
                del self._running[key]
        result.set_result(value)
        return value

    def __len__(self) -> int:
        """Runs under way."""
        return len(self._running)
