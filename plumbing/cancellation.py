"""asyncio.wait_for without Python 3.11's lost cancellation."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def wait_for(step: Awaitable[T], timeout: float | None) -> T:
    """asyncio.wait_for, except that a cancellation arriving as `step` finishes is raised.

    Python 3.11's wait_for returns the step's result when the step finishes in the same turn
    of the event loop as the waiting task is cancelled, and the cancellation is lost (fixed in
    3.12). A loop that went on would run until killed: a reader supervisor kept restarting its
    reader, holding the agent's shutdown.
    """
    result = await asyncio.wait_for(step, timeout)
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    return result
