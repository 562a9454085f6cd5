"""Escalation and reminders: a supervised worker that queues them when they fall due."""

import logging
from collections.abc import Callable

from cloud.db.deliveries_store import queue_escalations
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.locks import try_lock
from cloud.db.pool import Database
from cloud.notify.clock import Clock, utc_now
from cloud.notify.defaults import policy_defaults
from cloud.settings.notify import PeopleSettings
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


class Escalator:
    """Every `escalation_check_s`, queues the escalations and reminders due by the clock.

    Any number may run: deliveries are unique per alert, step and recipient, and one sweep at a
    time holds the lock (the others skip their turn).
    """

    def __init__(
        self,
        database: Database,
        settings: PeopleSettings,
        *,
        clock: Clock = utc_now,
        on_queued: Callable[[], None] | None = None,
    ):
        self._database = database
        self._settings = settings
        self._clock = clock
        self._on_queued = on_queued
        self.worker = SupervisedWorker(
            "escalator",
            self.step,
            idle_wait_s=settings.escalation_check_s,
            transient=(DatabaseUnavailable, DataRejected),
        )

    def step(self) -> bool:
        """One sweep; False, so that the next waits its period."""
        self.run_once()
        return False

    def run_once(self) -> dict[str, int]:
        """Queue what is due now; return the counts by reason."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            if not try_lock(cur, "notify:escalation-sweep"):
                return {"escalation": 0, "reminder": 0}
            defaults = policy_defaults(self._settings)
            counts = queue_escalations(cur, now=self._clock(), defaults=defaults)
        if any(counts.values()):
            log.info("escalations and reminders queued", extra=counts)
            if self._on_queued is not None:
                self._on_queued()
        return counts
