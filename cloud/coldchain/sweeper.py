"""The periodic cold-chain checks (silent probes), as a supervised worker."""

import logging
from datetime import UTC, datetime

from cloud.coldchain.silence import sweep_silence
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


class ColdChainSweeper:
    """Sweeps for silent probes every `interval_s`; any number may run (they agree by key)."""

    def __init__(
        self, database: Database, *, interval_s: float, default_silent_after_s: int | None
    ):
        self._database = database
        self._default = default_silent_after_s
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
        with self._database.transaction() as conn, conn.cursor() as cur:
            return sweep_silence(cur, now=datetime.now(UTC), default_after_s=self._default)
