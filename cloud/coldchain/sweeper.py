"""A thread that runs the periodic cold-chain checks (silent probes) every few seconds."""

import logging
import threading
from datetime import UTC, datetime

from cloud.coldchain.silence import sweep_silence
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database

log = logging.getLogger(__name__)


class ColdChainSweeper:
    """Sweeps for silent probes; any number may run in any processes (they agree by key)."""

    def __init__(
        self, database: Database, *, interval_s: float, default_silent_after_s: int | None
    ):
        self._database = database
        self._interval_s = interval_s
        self._default = default_silent_after_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coldchain-sweeper", daemon=True)

    def start(self) -> None:
        """Start the sweeper thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the sweep in hand."""
        self._stopping.set()
        self._thread.join(timeout)

    def run_once(self) -> int:
        """One sweep in one transaction; return how many alerts it raised."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            return sweep_silence(cur, now=datetime.now(UTC), default_after_s=self._default)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.run_once()
            except (DatabaseUnavailable, DataRejected) as err:
                log.warning("cold-chain sweep failed (%s); trying again next time", err)
