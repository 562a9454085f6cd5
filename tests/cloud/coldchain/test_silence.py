"""A probe that falls silent raises its own alert, which clears when it speaks again."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.cloud.coldchain.helpers import SITE, alerts, envelopes, temperature
from tests.support.mqtt import publish_all
from tests.support.seed import add_location, add_profile
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")


def test_silent_probe_raises_and_clears(start_ingester, database_url, mqtt_url):
    add_profile(database_url, "room", silent_after_s=60)
    add_location(database_url, SITE, "room-s", profile_id="room")
    start_ingester(coldchain_sweep_s=0.2, coldchain_receiving_s=0.5)
    now = datetime.now(UTC).replace(microsecond=0)
    last = now - timedelta(minutes=5)
    old = [
        temperature(last - timedelta(minutes=m), 4.0, seq=m, location="room-s") for m in range(5)
    ]
    publish_all(mqtt_url, envelopes(old))
    (silent,) = wait_for(lambda: alerts(database_url, "probe_silent"))
    assert silent[1:6] == ("probe_silent", "warning", "active_unack", last, None)

    publish_all(mqtt_url, envelopes([temperature(now, 4.1, seq=9, location="room-s")]))
    wait_for(lambda: alerts(database_url, "probe_silent")[0][3] == "cleared")
    (cleared,) = alerts(database_url, "probe_silent")
    assert cleared[3:6] == ("cleared", last, now)


def test_a_backlog_of_old_readings_is_one_silence_not_one_per_sweep(
    start_ingester, database_url, mqtt_url
):
    """While a device sends an old backlog, its probe is catching up; then one alert."""
    add_profile(database_url, "room", silent_after_s=60)
    add_location(database_url, SITE, "room-b", profile_id="room")
    start_ingester(coldchain_sweep_s=0.2, coldchain_receiving_s=3.0, ingest_derive_settle_s=0.2)
    backlog_start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    minute = 0
    sending_until = time.monotonic() + 4.0  # 20 sweeps, each seeing a newer old reading
    while time.monotonic() < sending_until:
        at = backlog_start + timedelta(minutes=minute)
        publish_all(mqtt_url, envelopes([temperature(at, 4.0, seq=minute, location="room-b")]))
        minute += 1
        time.sleep(0.2)
    assert alerts(database_url, "probe_silent") == []  # (before: a new one every sweep)
    last = backlog_start + timedelta(minutes=minute - 1)
    (silent,) = wait_for(lambda: alerts(database_url, "probe_silent"))
    assert silent[1:6] == ("probe_silent", "warning", "active_unack", last, None)
    time.sleep(1.0)  # more sweeps: still the one alert
    assert len(alerts(database_url, "probe_silent")) == 1
