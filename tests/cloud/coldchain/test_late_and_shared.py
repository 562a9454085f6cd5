"""A late scan re-links readings; two ingesters in a shared group raise what one raises."""

import uuid
from datetime import timedelta

import pytest

from tests.cloud.coldchain.helpers import (
    DEVICE,
    GTIN,
    ROOM,
    SITE,
    add_product,
    alerts,
    envelopes,
    idle,
    minutes_ago,
    temperature,
)
from tests.support.factory import message, scan_of
from tests.support.mqtt import publish_all
from tests.support.seed import add_device, add_profile
from tests.support.sql import query
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

GTIN_B = "08935000000028"


def test_a_late_receiving_scan_links_the_readings_and_raises_the_alert(
    start_ingester, database_url, mqtt_url
):
    add_profile(database_url, "chill")
    add_product(database_url, "chill")
    start_ingester()
    t0 = minutes_ago(179)
    at = [t0 + timedelta(minutes=m) for m in range(180)]
    values = [9.5 if 60 <= m < 100 else 4.5 for m in range(180)]
    publish_all(mqtt_url, envelopes([temperature(at[m], v, seq=m) for m, v in enumerate(values)]))
    wait_for(lambda: query(database_url, "SELECT count(*) FROM readings")[0][0] == 180)
    wait_for(lambda: idle(database_url))
    assert alerts(database_url, "excursion%") == []

    receive = scan_of(1, at=t0, location=ROOM, biz_step="receiving", gtin=GTIN, lot="L1")
    publish_all(mqtt_url, [message([receive], site=SITE)])
    (alert,) = wait_for(lambda: alerts(database_url, "excursion%"))
    assert alert[1:6] == ("excursion_high", "critical", "cleared", at[60], at[100])


def _scenario() -> list[tuple[str, bytes]]:
    """Two batches in two rooms, scans and readings shuffled across many small messages."""
    t0 = minutes_ago(239)
    at = [t0 + timedelta(minutes=m) for m in range(240)]
    scans = [
        scan_of(1, at=at[0], location="room-a", biz_step="receiving", gtin=GTIN, lot="LA"),
        scan_of(2, at=at[0], location="room-b", biz_step="receiving", gtin=GTIN_B, lot="LB"),
        scan_of(3, at=at[120], location="room-a", biz_step="shipping", gtin=GTIN, lot="LA"),
        scan_of(4, at=at[150], location="room-a", biz_step="receiving", gtin=GTIN_B, lot="LB"),
    ]
    readings = []
    for m in range(240):
        a = 9.0 if 30 <= m < 70 or 140 <= m < 180 else 5.0
        b = 1.0 if 10 <= m < 45 else 5.0
        readings.append(temperature(at[m], a, seq=2 * m, location="room-a"))
        readings.append(temperature(at[m], b, seq=2 * m + 1, location="room-b", sensor="probe-2"))
    messages = envelopes(readings[::-1], per_message=8)  # newest first: everything is late
    return messages[:10] + [message([s], site=SITE) for s in scans[::-1]] + messages[10:]


def _outcome(url: str) -> list[tuple]:
    rows = query(
        url,
        "SELECT a.kind, a.state, a.started_at, a.ended_at, array_agg(b.lot ORDER BY b.lot) "
        "FROM alerts a JOIN batches b ON b.id = ANY(a.batch_ids) "
        "WHERE a.kind <> 'probe_silent' GROUP BY a.id ORDER BY 1, 3",
    )
    return rows


def _prepare(url: str) -> None:
    add_profile(url, "chill", single_excursion_s=1200, cumulative_excursion_s=3600)
    add_product(url, "chill")
    add_product(url, "chill", gtin=GTIN_B)
    add_device(url, SITE, DEVICE)  # registered: its data is not held


def test_two_ingesters_in_a_shared_group_raise_what_one_raises(
    start_ingester, mqtt_url, new_database
):
    messages = _scenario()
    one, two = new_database(), new_database()
    for url in (one, two):
        _prepare(url)
    single = start_ingester(database_url=one)
    publish_all(mqtt_url, messages)
    wait_for(lambda: query(one, "SELECT count(*) FROM readings")[0][0] == 480 and idle(one))
    single.stop()
    group = f"coldchain{uuid.uuid4().hex[:8]}"  # no stale members from earlier runs
    for _ in range(2):
        start_ingester(database_url=two, ingest_share_group=group)
    publish_all(mqtt_url, messages)
    wait_for(lambda: query(two, "SELECT count(*) FROM readings")[0][0] == 480 and idle(two))
    expected = _outcome(one)
    assert [(k, s) for k, s, *_ in expected] == [
        ("excursion_cumulative", "active_unack"),
        ("excursion_high", "cleared"),
        ("excursion_high", "cleared"),
        ("excursion_low", "cleared"),
    ]
    assert _outcome(two) == expected
