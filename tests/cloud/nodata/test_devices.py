"""Agents that go quiet and outboxes that keep growing raise alerts, end them, and escalate."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from cloud.db.device_health_store import OutboxSample
from cloud.db.pool import Database
from cloud.nodata.devices import DeviceChecks, sweep_devices
from cloud.nodata.outbox import OutboxRule, growing
from tests.cloud.notify.people_support import (
    SITE,
    SimClock,
    Sims,
    configure,
    escalator,
    notifier,
    person,
    texts,
)
from tests.support.seed import add_device
from tests.support.sql import query

DEVICE = "pi-cold-01"
T0 = datetime(2026, 5, 14, 1, 0, tzinfo=UTC)


def _device(url: str, last_seen: datetime) -> None:
    add_device(url, SITE, DEVICE, last_seen=last_seen)


def _heartbeat(url: str, at: datetime, depth: int, *, alarm: bool = False, drops: int = 0) -> None:
    status = {
        "outbox_depth": depth,
        "outbox_capacity": 10000,
        "outbox_drops": drops,
        "outbox_alarm": alarm,
        "state": "online",
    }
    query(
        url,
        "INSERT INTO device_status (time, id, site_id, device_id, seq, clock, state, status, "
        "received_at) VALUES (%s, %s, %s, %s, 0, 'synced', 'online', %s, %s) RETURNING 1",
        (at, str(uuid.uuid4()), SITE, DEVICE, json.dumps(status), at),
    )
    query(url, "UPDATE devices SET last_seen = %s RETURNING 1", (at,))


def _sweep(db: Database, now: datetime, checks: DeviceChecks) -> int:
    with db.transaction() as conn, conn.cursor() as cur:
        return sweep_devices(cur, now=now, checks=checks)


def _alerts(url: str, kind: str) -> list[tuple[object, ...]]:
    return query(
        url,
        "SELECT state, started_at, ended_at, details ->> 'device_id' FROM alerts "
        "WHERE kind = %s ORDER BY id",
        (kind,),
    )


def test_an_agent_gone_quiet_raises_one_alert_that_escalates_and_ends(
    db: Database, sims: Sims, database_url: str
) -> None:
    _device(database_url, T0)
    configure(
        db,
        [person("telegram", "555001", language="en"), person("zalo", "842", level=1)],
        escalate_after_s=600,
        group_window_s=0,
    )
    checks = DeviceChecks(offline_after_s=300, outbox=None)
    assert _sweep(db, T0 + timedelta(seconds=299), checks) == 0
    assert _sweep(db, T0 + timedelta(seconds=301), checks) == 1
    assert _sweep(db, T0 + timedelta(seconds=400), checks) == 0  # one alert, not one per sweep
    assert _alerts(database_url, "device_offline") == [("active_unack", T0, None, DEVICE)]

    settings = sims.settings()
    (raised_at,) = query(database_url, "SELECT raised_at FROM alerts")[0]
    clock = SimClock(raised_at)
    clock.catch_up()
    assert notifier(db, settings, clock).run_once() == 1
    clock.now = raised_at + timedelta(minutes=10)
    assert escalator(db, settings, clock).run_once() == {"escalation": 1, "reminder": 0}
    assert notifier(db, settings, clock).run_once() == 1
    assert texts(sims)["telegram"][0].startswith(f"New: Edge agent offline · {SITE}")
    assert "Device: pi-cold-01" in texts(sims)["telegram"][0]
    assert texts(sims)["zalo"][0].startswith(
        f"Chuyển cấp: chưa ai xác nhận: Thiết bị biên mất kết nối · {SITE}"
    )

    back = T0 + timedelta(minutes=20)
    query(database_url, "UPDATE devices SET last_seen = %s RETURNING 1", (back,))
    _sweep(db, back + timedelta(seconds=1), checks)
    assert _alerts(database_url, "device_offline") == [("cleared", T0, back, DEVICE)]


def test_an_outbox_that_keeps_growing_raises_an_alert_that_ends_when_it_drains(
    db: Database, database_url: str
) -> None:
    _device(database_url, T0)
    rule = OutboxRule(window_s=900, min_depth=100, min_growth=50)
    checks = DeviceChecks(offline_after_s=None, outbox=rule)
    for minute, depth in enumerate([40, 60, 90, 90, 130, 170]):
        _heartbeat(database_url, T0 + timedelta(minutes=minute * 2), depth)
    assert _sweep(db, T0 + timedelta(minutes=10, seconds=1), checks) == 1
    assert _sweep(db, T0 + timedelta(minutes=10, seconds=30), checks) == 0
    (alert,) = _alerts(database_url, "outbox_growing")
    assert alert == ("active_unack", T0, None, DEVICE)

    _heartbeat(database_url, T0 + timedelta(minutes=12), 180)  # still growing: stays open
    _sweep(db, T0 + timedelta(minutes=12, seconds=1), checks)
    assert _alerts(database_url, "outbox_growing")[0][0] == "active_unack"
    drained = T0 + timedelta(minutes=14)
    _heartbeat(database_url, drained, 120)
    _sweep(db, drained + timedelta(seconds=1), checks)
    assert _alerts(database_url, "outbox_growing") == [("cleared", T0, drained, DEVICE)]


def _samples(*depths: int, step_s: int = 120, alarm: bool = False) -> list[OutboxSample]:
    return [
        OutboxSample(
            T0 + timedelta(seconds=n * step_s), d, 10000, 0, alarm and n == len(depths) - 1
        )
        for n, d in enumerate(depths)
    ]


def test_the_growth_rule() -> None:
    rule = OutboxRule(window_s=900, min_depth=100, min_growth=50)
    assert growing(_samples(40, 60, 90, 130, 170), rule)
    assert not growing(_samples(40, 60, 30, 130, 170), rule)  # it drained in between
    assert not growing(_samples(400, 300, 200, 100), rule)  # draining
    assert not growing(_samples(10, 20, 30, 60, 90), rule)  # small
    assert not growing(_samples(40, 90, 170, step_s=60), rule)  # too short a span
    assert growing(_samples(5, 5, alarm=True), rule)  # the agent's own alarm
    dropped = [*_samples(5, 5), OutboxSample(T0 + timedelta(minutes=9), 5, 10000, 3, False)]
    assert growing(dropped, rule)  # items dropped within the window
