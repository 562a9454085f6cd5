"""A send that crashes the forwarder's worker: its items wait their backoff, the rest is sent."""

from collections.abc import Sequence

from cloud.db.pool import Database
from cloud.db.rows.forward import OutboxItem
from cloud.forward.adapter import Journal, Outcome, Result
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from plumbing.workers import Backoff as WorkerBackoff
from tests.cloud.forward import helpers as h
from tests.support.sql import query
from tests.support.waiting import wait_for


class _PoisonedAdapter:
    """Accepts every item but one, on which it fails in a way no adapter should."""

    max_batch = 1

    def __init__(self, poison: str):
        self.destination = h.DESTINATION
        self._poison = poison

    def send(self, items: Sequence[OutboxItem], journal: Journal) -> list[Result]:
        if any(item.key == self._poison for item in items):
            raise KeyError("lot")
        return [Result(item.id, Outcome.ACCEPTED) for item in items]

    def close(self) -> None:
        pass


def test_a_crashing_send_backs_its_item_off_and_the_worker_goes_on(seeded_url: str) -> None:
    events = h.lot_events(h.GOOD, "P1", 4)
    h.queue(seeded_url, events)
    poison = str(events[1].id)
    database = Database(seeded_url, max_connections=3)
    forwarder = Forwarder(
        database, _PoisonedAdapter(poison), backoff=Backoff(60, 60), idle_wait_s=0.01
    )
    (worker,) = forwarder.workers
    worker._backoff = WorkerBackoff(0.01, 0.01)
    forwarder.start()
    try:
        wait_for(lambda: h.states(seeded_url) == {"sent": 3, "pending": 1})
        health = worker.health()
        assert (health.crashes, health.restarts, health.healthy) == (1, 1, True)
    finally:
        forwarder.stop(5)
        database.close()
    ((key, attempts, error, later),) = query(
        seeded_url,
        "SELECT key, attempts, last_error, next_attempt_at > now() + interval '20 s' "
        "FROM forward_outbox WHERE state = 'pending'",
    )
    assert (key, attempts, error, later) == (poison, 1, "KeyError: 'lot'", True)
    assert forwarder.counts["accepted"] == 3 and forwarder.counts["transient"] == 1
