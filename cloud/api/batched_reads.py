"""Reads of one key each, asked at the same moment, answered by one statement for them all.

`get(key)` waits for the statement of its turn of the event loop: every key asked before the
loop runs its next callbacks goes into one read of up to `max_keys` keys (a key alone: the
single-key read). Each read wakes a database backend and costs the event loop a send and a
receive; one for the pages that arrive together saves most of that when many do. An asker
cancelled leaves the read and the other askers alone; a read's error is every asker's.
"""

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Turn(Generic[K, V]):
    """One event loop's keys waiting for their read."""

    def __init__(self) -> None:
        self.waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self.scheduled = False
        self.reads: set[asyncio.Task[None]] = set()


class BatchedReads(Generic[K, V]):
    """`get(key)`: `one(key)` when asked alone, else its share of `many(keys)`."""

    def __init__(
        self,
        one: Callable[[K], Awaitable[V | None]],
        many: Callable[[list[K]], Awaitable[dict[K, V]]],
        *,
        max_keys: int = 32,
    ):
        self._one = one
        self._many = many
        self._max_keys = max_keys
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turn[K, V]]
        self._turns = weakref.WeakKeyDictionary()

    async def get(self, key: K) -> V | None:
        """The value of `key` (None: none), from the read of this turn of the loop."""
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns.setdefault(loop, _Turn())
        answer: asyncio.Future[V | None] = loop.create_future()
        turn.waiting.setdefault(key, []).append(answer)
        if not turn.scheduled:
            turn.scheduled = True
            loop.call_soon(self._start, turn)
        return await answer

    def _start(self, turn: _Turn[K, V]) -> None:
        """Start the reads of the keys asked in this turn (up to `max_keys` each)."""
        turn.scheduled = False
        waiting, turn.waiting = turn.waiting, {}
        keys = list(waiting)
        for first in range(0, len(keys), self._max_keys):
            part = {k: waiting[k] for k in keys[first : first + self._max_keys]}
            task = asyncio.ensure_future(self._read(part))
            turn.reads.add(task)  # kept until done (the loop holds tasks weakly)
            task.add_done_callback(turn.reads.discard)

    async def _read(self, waiting: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            if len(waiting) == 1:
                (key,) = waiting
                found: dict[K, V] = {}
                value = await self._one(key)
                if value is not None:
                    found[key] = value
            else:
                found = await self._many(list(waiting))
        except BaseException as error:
            for answers in waiting.values():
                for answer in answers:
                    if not answer.done():
                        if isinstance(error, asyncio.CancelledError):
                            answer.cancel()
                        else:
                            answer.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for key, answers in waiting.items():
            for answer in answers:
                if not answer.done():
                    answer.set_result(found.get(key))
