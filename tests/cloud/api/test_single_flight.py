"""Concurrent asks for one key share one run; a failure reaches them all; a leaver stops nobody."""

import asyncio

import pytest

from cloud.api.single_flight import SingleFlight


def test_concurrent_asks_share_one_run_and_a_later_ask_runs_again():
    flights = SingleFlight[str, int]()
    runs: list[str] = []

    async def work() -> int:
        runs.append("run")
        await asyncio.sleep(0.01)
        return len(runs)

    async def scenario() -> tuple[list[int], int, int]:
        together = await asyncio.gather(*(flights.run("a", work) for _ in range(10)))
        return together, len(flights), await flights.run("a", work)

    together, running_after, later = asyncio.run(scenario())
    assert together == [1] * 10 and running_after == 0 and later == 2


def test_a_failure_reaches_every_asker():
    flights = SingleFlight[str, int]()

    async def broken() -> int:
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    async def scenario() -> list[BaseException | int]:
        return await asyncio.gather(
            *(flights.run("a", broken) for _ in range(3)), return_exceptions=True
        )

    outcomes = asyncio.run(scenario())
    assert [type(o) for o in outcomes] == [ValueError] * 3


def _cancel_one_of_two(which: int) -> tuple[str, int]:
    """Two askers of one key, asker `which` (0: the first, who runs the work) cancelled."""
    flights = SingleFlight[str, str]()
    runs: list[int] = []

    async def work() -> str:
        runs.append(1)
        await asyncio.sleep(0.05)
        return "done"

    async def scenario() -> str:
        askers = [asyncio.ensure_future(flights.run("a", work)) for _ in range(2)]
        await asyncio.sleep(0.01)
        askers[which].cancel()
        with pytest.raises(asyncio.CancelledError):
            await askers[which]
        return await askers[1 - which]

    return asyncio.run(scenario()), len(runs)


def test_a_cancelled_later_asker_leaves_the_run_alone():
    assert _cancel_one_of_two(1) == ("done", 1)


def test_when_the_first_asker_is_cancelled_the_waiting_one_starts_over():
    assert _cancel_one_of_two(0) == ("done", 2)
