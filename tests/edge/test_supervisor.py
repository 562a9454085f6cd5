"""The supervisor restarts readers that raise, hang or yield garbage; the others keep flowing."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from contract import Quantity
from edge.clock import Clock, ClockSync
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, TakenItem
from edge.readers.simulated import ticks
from edge.supervisor import Supervisor

CONTEXT = ReaderContext(Clock(ClockSync.SYNCED))


class FaultyConfig(ReaderConfigBase):
    mode: Literal["good", "raise", "hang", "garbage", "end"]


class Faulty(Reader[FaultyConfig]):

    async def items(self) -> AsyncIterator[Any]:
        count = 0
        async for _ in ticks(0.01):
            count += 1
            mode = self.config.mode
            if mode != "good" and count > 3:
                if mode == "raise":
                    raise OSError("the scanner fell off the line")
                if mode == "hang":
                    await asyncio.Event().wait()
                if mode == "garbage":
                    yield {"not": "an item"}
                if mode == "end":
                    return
            yield CONTEXT.reading(sensor=self.config.name, location="line",
                                  quantity=Quantity.TEMPERATURE, value=4.0)


def test_faulty_readers_restart_while_the_good_one_flows() -> None:
    modes = ["good", "raise", "hang", "garbage", "end"]
    configs = [FaultyConfig(name=m, location="line", mode=m, stall_timeout_s=0.2) for m in modes]
    taken: list[TakenItem] = []

    async def scenario() -> Supervisor:
        async def sink(item: TakenItem) -> None:
            taken.append(item)

        supervisor = Supervisor(configs, make=lambda c: Faulty(c, CONTEXT), sink=sink,
                                backoff_min_s=0.02, backoff_max_s=0.1)
        task = asyncio.create_task(supervisor.run())
        await asyncio.sleep(2.0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return supervisor

    supervisor = asyncio.run(scenario())
    health = supervisor.health()
    assert health["good"].errors == 0 and health["good"].restarts == 0
    for mode, reason in [("raise", "OSError"), ("hang", "stalled"),
                         ("garbage", "not a scan or reading"), ("end", "ended")]:
        assert health[mode].restarts >= 2, mode
        assert health[mode].errors >= 2, mode
        assert reason in (health[mode].last_error or ""), mode
    assert all(h.state == "stopped" for h in health.values())
    sources = [getattr(item, "sensor", None) for item in taken]
    assert sources.count("good") > 100
    # The good reader kept flowing while the hung one stalled and restarted: a life of the
    # hung reader yields three items, and between its lives the good one yielded some.
    hung = [n for n, source in enumerate(sources) if source == "hang"]
    for end, next_start in zip(hung[2::3], hung[3::3], strict=False):
        assert "good" in sources[end:next_start], (end, next_start)


class CancelledWhileStopping(Reader[FaultyConfig]):
    """A reader whose supervising task is cancelled just as its clean-up step completes."""

    async def items(self) -> AsyncIterator[Any]:
        raise OSError("the scanner fell off the line")
        yield  # an async generator

    async def stop(self) -> None:
        # Python 3.11's asyncio.wait_for returns the step's result in this case instead of
        # raising CancelledError (fixed in 3.12): the supervisor must not lose the request.
        for task in asyncio.all_tasks():
            if task.get_name() == f"reader:{self.config.name}":
                task.cancel()


def test_a_cancellation_that_arrives_as_a_reader_stops_is_not_lost() -> None:
    config = FaultyConfig(name="flaky", location="line", mode="raise")
    starts: list[float] = []

    async def scenario() -> Supervisor:
        async def sink(item: TakenItem) -> None:
            pass

        def make(c: ReaderConfigBase) -> Reader[Any]:
            starts.append(0.0)
            return CancelledWhileStopping(c, CONTEXT)  # type: ignore[arg-type]

        supervisor = Supervisor([config], make=make, sink=sink, backoff_min_s=0.01)
        task = asyncio.create_task(supervisor.run())
        done, _ = await asyncio.wait({task}, timeout=2.0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert done, f"the supervisor kept restarting its reader ({len(starts)} starts)"
        return supervisor

    supervisor = asyncio.run(scenario())
    assert len(starts) == 1
    assert supervisor.health()["flaky"].state == "stopped"
