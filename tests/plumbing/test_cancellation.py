"""wait_for raises a cancellation arriving as its step ends (3.11's asyncio.wait_for lost it)."""

import asyncio

import pytest

from plumbing.cancellation import wait_for


async def _cancel_waiter_then_finish(waiter: asyncio.Task[object]) -> str:
    waiter.cancel()  # the waiting task is cancelled in the turn in which this step finishes
    return "done"


def test_a_cancellation_as_the_step_finishes_is_raised() -> None:
    async def scenario() -> None:
        me = asyncio.current_task()
        assert me is not None
        await wait_for(_cancel_waiter_then_finish(me), 5)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(scenario())


def test_results_and_timeouts_are_asyncio_wait_for_s() -> None:
    async def scenario() -> str:
        with pytest.raises(TimeoutError):
            await wait_for(asyncio.sleep(10), 0.01)
        return await wait_for(asyncio.sleep(0, result="ok"), 1)

    assert asyncio.run(scenario()) == "ok"
