"""The issue's cold-room scenario through the real broker, ingester and database."""

from datetime import timedelta

import psycopg2
import pytest

from cloud.db.alerts_store import acknowledge
from cloud.db.mkt import mean_kinetic_temperature
from cloud.db.readings_query import batch_series, stay_summaries
from tests.cloud.coldchain.helpers import (
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
from tests.support.seed import add_profile
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

MINUTES = 2 * 24 * 60  # two days, one reading a minute
EXCURSION = range(1000, 1040)  # 40 minutes at 9.5 °C
LATE = range(1500, 1560)  # an hour of readings that arrive last
SHORT = range(1520, 1530)  # inside it: 10 minutes at 8.7 °C


def _value(minute: int) -> float:
    if minute in EXCURSION:
        return 9.5
    if minute in SHORT:
        return 8.7
    return 4.0 + (minute % 7) * 0.3


@pytest.fixture
def cur(database_url):
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        yield cursor
    conn.close()


def test_two_days_in_a_cold_room_with_a_40_minute_excursion(
    start_ingester, database_url, mqtt_url, cur
):
    add_profile(database_url, "chill", cumulative_excursion_s=2900)
    add_product(database_url, "chill")
    start_ingester(coldchain_sweep_s=0.5)
    t0 = minutes_ago(MINUTES - 1)
    at = [t0 + timedelta(minutes=m) for m in range(MINUTES)]
    readings = [temperature(at[m], _value(m), seq=m) for m in range(MINUTES)]
    receive = scan_of(1, at=t0, location=ROOM, biz_step="receiving", gtin=GTIN, lot="L1")
    publish_all(mqtt_url, [message([receive], site=SITE)])

    # Up to 30 minutes into the excursion: the alert is raised.
    first = [r for m, r in enumerate(readings) if m <= EXCURSION[0] + 30]
    publish_all(mqtt_url, envelopes(first))
    raised = wait_for(lambda: alerts(database_url, "excursion_high"))
    batch_id = scalar(database_url, "SELECT id FROM batches WHERE lot = 'L1'")
    assert raised == [
        (
            f"excursion:{batch_id}:{SITE}:{ROOM}:{at[EXCURSION[0]].isoformat()}",
            "excursion_high",
            "critical",
            "active_unack",
            at[EXCURSION[0]],
            None,
            [batch_id],
            None,
            None,
        )
    ]
    alert_id = scalar(database_url, "SELECT id FROM alerts WHERE kind = 'excursion_high'")
    acknowledge(cur, alert_id, actor="lan", comment="door left open, closed")

    # The rest of the two days, but for an hour held back; then the batch is shipped.
    rest = [r for m, r in enumerate(readings) if m > EXCURSION[0] + 30 and m not in LATE]
    publish_all(mqtt_url, envelopes(rest))
    ship = scan_of(2, at=at[-3], location=ROOM, biz_step="shipping", gtin=GTIN, lot="L1")
    publish_all(mqtt_url, [message([ship], site=SITE)])
    wait_for(
        lambda: alerts(database_url, "excursion_high")[0][3] == "cleared" and idle(database_url)
    )
    (alert,) = alerts(database_url, "excursion_high")
    assert alert[3:] == (
        "cleared",
        at[EXCURSION[0]],
        at[EXCURSION[-1] + 1],
        [batch_id],
        "lan",
        "door left open, closed",
    )
    transitions = query(
        database_url,
        "SELECT from_state, to_state, actor FROM alert_transitions WHERE alert_id = %s ORDER BY id",
        (alert_id,),
    )
    assert transitions == [
        (None, "active_unack", "system"),
        ("active_unack", "active_ack", "lan"),
        ("active_ack", "cleared", "system"),
    ]
    assert alerts(database_url, "excursion_cumulative") == []

    # The held-back hour arrives late: a short excursion, linked by time, tips the cumulative.
    publish_all(mqtt_url, envelopes([readings[m] for m in LATE]))
    wait_for(lambda: alerts(database_url, "excursion_cumulative") and idle(database_url))
    assert [a[:5] for a in alerts(database_url, "excursion%")] == [
        (alert[0], "excursion_high", "critical", "cleared", at[EXCURSION[0]]),
        (
            f"excursion_cumulative:{batch_id}",
            "excursion_cumulative",
            "critical",
            "active_unack",
            at[SHORT[0]] + timedelta(seconds=2900 - 2400),
        ),
    ]
    assert query(
        database_url,
        "SELECT start_time, end_time FROM excursions WHERE batch_id = %s ORDER BY start_time",
        (batch_id,),
    ) == [(at[EXCURSION[0]], at[EXCURSION[-1] + 1]), (at[SHORT[0]], at[SHORT[-1] + 1])]

    # What the timeline shows: the stay's summary and a downsampled series.
    stayed = [_value(m) for m in range(MINUTES - 3)]  # shipped at minute MINUTES - 3
    (summary,) = stay_summaries(cur, batch_id)
    assert (summary.stay.location, summary.stay.start, summary.stay.end) == (ROOM, t0, at[-3])
    assert summary.count == len(stayed)
    assert (summary.min, summary.max) == (min(stayed), max(stayed))
    assert summary.mean == pytest.approx(sum(stayed) / len(stayed))
    assert summary.mkt == pytest.approx(mean_kinetic_temperature(stayed))
    assert summary.out_of_range_s == 40 * 60 + 10 * 60
    series = batch_series(cur, batch_id, points=100)
    # One bucket per cell of the finest level with at most 100 cells in two days: 30 minutes.
    half_hours = [p.first_time.timestamp() // 1800 for p in series]
    assert half_hours == [p.last_time.timestamp() // 1800 for p in series]
    assert half_hours == [half_hours[0] + k for k in range(len(series))]
    assert 48 < len(series) <= 100
    assert sum(p.count for p in series) == len(stayed)
    assert max(p.max for p in series) == 9.5
    assert min(p.min for p in series) == min(stayed)
    # One excursion alert, whatever the late data did. While the backlog of day-old readings
    # came in, the probe may have looked silent for a moment; it spoke again, so that cleared
    # (by the sweeper's next pass: a sweep may raise it from a snapshot just before the probe's
    # newer readings were derived).
    assert len(alerts(database_url, "excursion_high")) == 1
    wait_for(lambda: {a[3] for a in alerts(database_url, "probe_silent")} <= {"cleared"})
