"""The edge agent's composition root: readers → supervisor → outbox → publisher."""

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from edge.clock import Clock
from edge.config import DeviceConfig, load_config
from edge.outbox import Outbox, OutboxError
from edge.publisher import Publisher
from edge.readers.base import ReaderConfigBase, ReaderContext
from edge.readers.registry import create_reader
from edge.sd_notify import keep_watchdog_fed, notify
from edge.status import StatusReporter
from edge.supervisor import Supervisor
from plumbing.logs import configure_logging
from plumbing.settings import log_level

logger = logging.getLogger(__name__)


class Agent:
    """One device's agent; `await run()` until `stop()` (which any thread may call)."""

    def __init__(self, config: DeviceConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.outbox = Outbox(
            config.outbox_path(),
            capacity=config.outbox.capacity,
            max_bytes=config.outbox.max_bytes,
            min_free_bytes=config.outbox.min_free_bytes,
            alarm_fraction=config.outbox.alarm_fraction,
        )
        self.clock = clock or Clock(config.clock.sync)
        context = ReaderContext(self.clock)
        self.supervisor = Supervisor(
            config.readers,
            make=lambda reader: create_reader(reader, context),
            sink=self._take,
        )
        reporter = StatusReporter(
            outbox=self.outbox, clock=self.clock, readers=self.supervisor.health
        )
        self.publisher = Publisher(config, self.outbox, reporter)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._stop_requested = False

    async def _take(self, item: object) -> None:
        await self.outbox.put([item])  # type: ignore[list-item]

    def stop(self) -> None:
        """Ask the agent to stop (thread-safe; idempotent)."""
        self._stop_requested = True
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(self) -> None:
        """Run readers and publisher until `stop()`; then say offline and close the outbox."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            self._stopping.set()
        await asyncio.to_thread(self.outbox.open)
        logger.info(
            "agent %s/%s started: %d readers, outbox %s",
            self.config.site, self.config.device, len(self.config.readers), self.outbox.path,
        )
        readers = asyncio.create_task(self.supervisor.run(), name="readers")
        publisher = asyncio.create_task(self.publisher.run(), name="publisher")
        stopping = asyncio.create_task(self._stopping.wait(), name="stop")
        watchdog = asyncio.create_task(keep_watchdog_fed(), name="watchdog")
        notify("READY=1")  # systemd (Type=notify): the outbox is open, readers are starting
        try:
            done, _ = await asyncio.wait(
                {readers, publisher, stopping}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done - {stopping}:
                task.result()  # a supervisor or publisher that ended is a bug: let it show
        finally:
            notify("STOPPING=1")
            for task in (readers, stopping, publisher, watchdog):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.publisher.close()
            await asyncio.to_thread(self.outbox.close)
            logger.info("agent stopped")


def reader_names(readers: list[ReaderConfigBase]) -> list[str]:
    """The names of the configured readers (for logs and the demo)."""
    return [reader.name for reader in readers]


async def _run_until_signalled(agent: Agent) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, agent.stop)
    await agent.run()


def run_command(config_path: str) -> int:
    """`txng edge run CONFIG`: run the agent until SIGINT or SIGTERM."""
    configure_logging(log_level())
    config = load_config(Path(config_path))
    try:
        asyncio.run(_run_until_signalled(Agent(config)))
    except OutboxError as err:
        logger.error("%s", err)
        return 1
    return 0
