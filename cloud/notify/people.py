"""The people's notifier: due deliveries to each recipient go out as one message per window.

Per recipient (its row locked FOR UPDATE SKIP LOCKED, so any number of notifiers share the
work): the due deliveries are read, those of non-critical alerts wait out the recipient's
quiet hours, the rest become one message (one alert in full, several as a digest), and the
send, the record of the message and the deliveries marked sent commit together. The recipient
then hears nothing more for the site's grouping window: a storm of alerts becomes a digest.
A failed send counts a try on each delivery and backs the recipient off (the service's
`retry_after` when it gives one). At the boundary it is at-least-once: a process that dies
after the service took the message and before the commit sends it again.
"""

import logging

from psycopg2.extensions import cursor as Cursor

from cloud.db.deliveries_store import (
    Recipient,
    SentMessage,
    claim_recipients,
    due_deliveries,
    mark_failed,
    mark_sent,
    postpone,
)
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.notify.channels import Channel
from cloud.notify.channels.registry import build_channels
from cloud.notify.clock import Clock, utc_now
from cloud.notify.compose import compose
from cloud.notify.defaults import policy_defaults
from cloud.notify.errors import DeliveryError
from cloud.notify.notifier import backoff_s
from cloud.notify.quiet import quiet_until
from cloud.settings.notify import PeopleSettings
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)

MAX_PER_MESSAGE = 500  # deliveries one message settles (it lists `group_limit` of them)


class PeopleNotifier:
    """A supervised worker that sends due deliveries to recipients; several may run anywhere."""

    def __init__(
        self,
        database: Database,
        settings: PeopleSettings,
        *,
        channels: dict[str, Channel] | None = None,
        clock: Clock = utc_now,
        batch_size: int = 10,
    ):
        self._database = database
        self._settings = settings
        self._channels = channels if channels is not None else build_channels(settings)
        self._clock = clock
        self._batch_size = batch_size
        self._in_hand: tuple[Recipient, list[int]] | None = None
        self.sent = 0
        self.failed = 0
        self.worker = SupervisedWorker(
            "people-notifier",
            self.step,
            idle_wait_s=settings.poll_s,
            transient=(DatabaseUnavailable, DataRejected),
            on_restart=self._fail_in_hand,
        )

    def step(self) -> bool:
        """One round over the recipients with due deliveries; True if any were served."""
        return self.run_once() > 0

    def run_once(self) -> int:
        """Serve up to `batch_size` recipients in one transaction; return how many."""
        now = self._clock()
        with self._database.transaction() as conn, conn.cursor() as cur:
            recipients = claim_recipients(
                cur, now=now, limit=self._batch_size, defaults=policy_defaults(self._settings)
            )
            for recipient in recipients:
                self._serve(cur, recipient)
            return len(recipients)

    def _serve(self, cur: Cursor, recipient: Recipient) -> None:
        now = self._clock()
        dues = due_deliveries(cur, recipient.id, now=now, limit=MAX_PER_MESSAGE)
        quiet = quiet_until(now, recipient.quiet_start, recipient.quiet_end, recipient.time_zone)
        if quiet is not None:
            held = [d.id for d in dues if d.alert["severity"] != "critical"]
            if held:
                postpone(cur, held, quiet)
            dues = [d for d in dues if d.alert["severity"] == "critical"]
        if not dues:
            return
        ids = [d.id for d in dues]
        message = compose(
            dues, recipient, base_url=self._settings.link_base_url, limit=self._settings.group_limit
        )
        self._in_hand = (recipient, ids)
        try:
            channel = self._channels[recipient.channel]
            provider_id = channel.send(recipient.address, message.subject, message.text)
        except DeliveryError as err:
            self._failed(cur, recipient, ids, str(err), err.retry_after_s)
        else:
            self.sent += 1
            sent = SentMessage(recipient, message.subject, message.text, provider_id)
            mark_sent(cur, sent, ids, now=now)
        self._in_hand = None  # (still set after an unexpected error: see the restart)

    def _failed(
        self,
        cur: Cursor,
        recipient: Recipient,
        ids: list[int],
        error: str,
        retry_after_s: float | None,
    ) -> None:
        self.failed += 1
        delay = backoff_s(
            recipient.failures,
            base_s=self._settings.backoff_base_s,
            max_s=self._settings.backoff_max_s,
        )
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self._settings.backoff_max_s))
        log.warning(
            "message not delivered",
            extra={"recipient": recipient.id, "channel": recipient.channel, "error": error},
        )
        mark_failed(
            cur,
            recipient.id,
            ids,
            error=error,
            now=self._clock(),
            delay_s=delay,
            max_attempts=self._settings.max_attempts,
        )

    def _fail_in_hand(self) -> None:
        """After a crash: the message that crashed its send counts one failed try."""
        in_hand, self._in_hand = self._in_hand, None
        if in_hand is None:
            return
        recipient, ids = in_hand
        error = self.worker.health().last_error or "crashed"
        with self._database.transaction() as conn, conn.cursor() as cur:
            self._failed(cur, recipient, ids, error, None)
