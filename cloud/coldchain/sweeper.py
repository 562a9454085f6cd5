"""The periodic no-data checks (silent probes, quiet agents, growing outboxes), as a worker."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from cloud.coldchain.silence import sweep_silence
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.nodata.devices import DeviceChecks, sweep_devices
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ColdChainSweeper:
    """Sweeps every `interval_s`; any number may run (they agree by key).

    `clock` gives the sweep's time (simulated in tests); `devices` the agents' checks (None:
    probes only); probes with readings received in the last `receiving_s` are not silent.
    """

    def __init__(
        self,
        database: Database,
        *,
        interval_s: float,
        default_silent_after_s: int | None,
        receiving_s: float = 0.0,
        devices: DeviceChecks | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ):
        self._database = database
        self._default = default_silent_after_s
        self._receiving_s = receiving_s
        self._devices = devices
        self._clock = clock
        self.worker = SupervisedWorker(
            "coldchain-sweeper",
            self.step,
            idle_wait_s=interval_s,
            transient=(DatabaseUnavailable, DataRejected),
        )

    def start(self) -> None:
        """Start the worker (alone; in a process, its `Workers` group starts it)."""
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the sweep in hand."""
        self.worker.stop(timeout)

    def step(self) -> bool:
        """One sweep; False, so that the next waits `interval_s`."""
        self.run_once()
        return False

    def run_once(self) -> int:
        """One sweep in one transaction; return how many alerts it raised."""
        now = self._clock()
        with self._database.transaction() as conn, conn.cursor() as cur:
            raised = sweep_silence(
                cur, now=now, default_after_s=self._default, receiving_s=self._receiving_s
            )
            if self._devices is not None:
                raised += sweep_devices(cur, now=now, checks=self._devices)
            return raised
