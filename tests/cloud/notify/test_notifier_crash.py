"""A notification whose delivery crashes the notifier counts one failed try; the rest is sent."""

from cloud.db.notify_store import Outgoing
from cloud.db.pool import Database
from cloud.notify.mqtt_publisher import AlertPublisher
from cloud.notify.notifier import Notifier
from plumbing.mqtt_url import MqttEndpoint
from plumbing.workers import Backoff
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for


def _notification(url: str, key: str) -> int:
    ((alert,),) = query(
        url,
        "INSERT INTO alerts (alert_key, kind, severity, started_at) "
        "VALUES (%s, 'test', 'warning', now()) RETURNING id",
        (key,),
    )
    ((transition,),) = query(
        url,
        "INSERT INTO alert_transitions (alert_id, to_state, actor) "
        "VALUES (%s, 'active_unack', 'test') RETURNING id",
        (alert,),
    )
    ((notification,),) = query(
        url,
        "INSERT INTO notifications (transition_id, channel) VALUES (%s, 'webhook:x') RETURNING id",
        (transition,),
    )
    return int(notification)


def test_a_delivery_that_crashes_is_one_failed_attempt(database_url: str) -> None:
    ids = [_notification(database_url, f"alert-{n}") for n in range(3)]
    delivered: list[int] = []

    def deliver(outgoing: Outgoing) -> None:
        if outgoing.id == ids[0]:
            raise AttributeError("'NoneType' object has no attribute 'isoformat'")
        delivered.append(outgoing.id)

    database = Database(database_url, max_connections=2)
    publisher = AlertPublisher(MqttEndpoint.parse("mqtt://127.0.0.1:1"), client_id="unused")
    notifier = Notifier(database, publisher, batch_size=1, poll_s=0.01, backoff_base_s=60)
    notifier._deliver = deliver  # type: ignore[method-assign]
    notifier.worker._backoff = Backoff(0.01, 0.01)
    notifier.worker.start()
    try:
        wait_for(lambda: sorted(delivered) == ids[1:])
        health = notifier.worker.health()
        assert (health.crashes, health.restarts, health.healthy) == (1, 1, True)
    finally:
        notifier.worker.stop(5)
        database.close()
    row = scalar(
        database_url,
        "SELECT state || ' ' || attempts || ' ' || (next_attempt_at > now()) || ' ' || last_error "
        "FROM notifications WHERE id = %s",
        (ids[0],),
    )
    assert row == "pending 1 true AttributeError: 'NoneType' object has no attribute 'isoformat'"
