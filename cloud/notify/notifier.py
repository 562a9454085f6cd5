"""The notifier: drains the notification outbox to MQTT and webhooks, retrying with backoff.

Claiming a row (FOR UPDATE SKIP LOCKED), delivering it and marking it sent happen in one
transaction, so any number of notifiers share the outbox and a row marked sent is never sent
again. At the boundary it is at-least-once: if the process dies after the receiver got the
POST (or the broker the PUBLISH) but before the commit, the row is delivered again. Receivers
deduplicate by the Idempotency-Key header (the notification id, also in the body).
"""

import logging
import os

from psycopg2.extensions import cursor as Cursor

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.notify_store import Outgoing, claim_due, mark_failed_attempt, mark_sent
from cloud.db.pool import Database
from cloud.notify.errors import DeliveryError
from cloud.notify.mqtt_publisher import AlertPublisher
from cloud.notify.payload import alert_topic, body
from cloud.notify.webhook import post
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


def backoff_s(attempts: int, *, base_s: float, max_s: float) -> float:
    """Delay before the next try after `attempts` failures: doubling, capped at `max_s`."""
    return float(min(max_s, base_s * 2 ** min(attempts, 30)))


class Notifier:
    """A supervised worker that delivers due notifications; several may run, in any processes.

    A delivery that fails in an unexpected way crashes the worker; its restart records the
    notification in hand as one failed attempt (poison isolation), so it waits its backoff.
    """

    def __init__(
        self,
        database: Database,
        publisher: AlertPublisher,
        *,
        batch_size: int = 20,
        poll_s: float = 0.5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 300.0,
        max_attempts: int = 50,
        webhook_timeout_s: float = 5.0,
    ):
        self._database = database
        self._publisher = publisher
        self._batch_size = batch_size
        self._base_s = backoff_base_s
        self._max_s = backoff_max_s
        self._max_attempts = max_attempts
        self._timeout_s = webhook_timeout_s
        self._in_hand: Outgoing | None = None
        self.worker = SupervisedWorker(
            "notifier",
            self.step,
            idle_wait_s=poll_s,
            transient=(DatabaseUnavailable, DataRejected),
            on_restart=self._fail_in_hand,
        )
        self.sent = 0
        self.failed = 0

    def start(self) -> None:
        """Connect the publisher and start the worker."""
        self._publisher.start()
        self.worker.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the batch in hand, then stop and disconnect."""
        self.worker.stop(timeout)
        self._publisher.stop()

    def step(self) -> bool:
        """One batch of deliveries; True if any were due."""
        return self.run_once() > 0

    def run_once(self) -> int:
        """Claim, deliver and mark one batch in one transaction; return how many were due."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            due = claim_due(cur, limit=self._batch_size)
            for outgoing in due:
                self._in_hand = outgoing
                try:
                    self._deliver(outgoing)
                except DeliveryError as err:
                    self._failed(cur, outgoing, str(err))
                else:
                    self.sent += 1
                    mark_sent(cur, outgoing.id)
                self._in_hand = None  # (still set after an unexpected error: see the restart)
            return len(due)

    def _failed(self, cur: Cursor, outgoing: Outgoing, error: str) -> None:
        self.failed += 1
        give_up = outgoing.attempts + 1 >= self._max_attempts
        delay = backoff_s(outgoing.attempts, base_s=self._base_s, max_s=self._max_s)
        log.warning(
            "notification not delivered",
            extra={"id": outgoing.id, "channel": outgoing.channel, "error": error},
        )
        mark_failed_attempt(cur, outgoing.id, error=error, delay_s=delay, give_up=give_up)

    def _fail_in_hand(self) -> None:
        """After a crash: the notification that crashed its delivery counts one failed try."""
        outgoing, self._in_hand = self._in_hand, None
        if outgoing is None:
            return
        error = self.worker.health().last_error or "crashed"
        with self._database.transaction() as conn, conn.cursor() as cur:
            self._failed(cur, outgoing, error)

    def _deliver(self, outgoing: Outgoing) -> None:
        payload = body(outgoing)
        if outgoing.channel == "mqtt":
            topic = alert_topic(outgoing.alert["site_id"], outgoing.alert["kind"])
            self._publisher.publish(topic, payload)
            return
        if outgoing.webhook_url is None:
            raise DeliveryError(outgoing.channel, "webhook no longer configured")
        secret = None
        if outgoing.secret_env:
            secret = os.environ.get(outgoing.secret_env)
            if not secret:
                raise DeliveryError(outgoing.channel, f"{outgoing.secret_env} is not set")
        post(
            outgoing.webhook_url,
            payload,
            idempotency_key=str(outgoing.id),
            secret=secret,
            timeout_s=self._timeout_s,
        )
