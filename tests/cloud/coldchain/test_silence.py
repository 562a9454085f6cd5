"""A probe that falls silent raises its own alert, which clears when it speaks again."""

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
    start_ingester(coldchain_sweep_s=0.2)
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
