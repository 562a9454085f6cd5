"""The per-site hash chain: built as events land, and `txng verify` detects tampering."""

from datetime import timedelta

import pytest

from cloud.db.pool import Database
from cloud.trace.chain import verify
from tests.cloud.trace.helpers import idle
from tests.support.factory import START, message, scan_of
from tests.support.mqtt import publish_all
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for
from txng.cli import main

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

GTIN = "08936012345018"


def test_tampering_with_a_stored_event_is_detected(start_ingester, database_url, mqtt_url, capsys):
    start_ingester()
    scans = [
        scan_of(
            i,
            at=START + timedelta(minutes=i),
            location="dock",
            biz_step="receiving",
            gtin=GTIN,
            lot=f"L{i}",
        )
        for i in range(1, 6)
    ]
    publish_all(mqtt_url, [message([s]) for s in scans])
    # A late event (older event time) arrives last and is appended, not inserted.
    late = scan_of(
        9,
        at=START - timedelta(days=1),
        location="dock",
        biz_step="receiving",
        gtin=GTIN,
        lot="LATE",
    )
    publish_all(mqtt_url, [message([late])])
    wait_for(
        lambda: idle(database_url) and scalar(database_url, "SELECT count(*) FROM event_chain") == 6
    )
    assert query(
        database_url, "SELECT event_id FROM event_chain ORDER BY position DESC LIMIT 1"
    ) == [(str(late.id),)]
    assert main(["verify", "--database-url", database_url]) == 0

    target = scalar(database_url, "SELECT event_id FROM event_chain WHERE position = 3")
    query(database_url, "UPDATE events SET raw = 'forged' WHERE id = %s RETURNING 1", (target,))
    database = Database(database_url, max_connections=1)
    try:
        (report,) = verify(database, "hy-longan")
    finally:
        database.close()
    assert report.broken is not None
    assert (report.broken.position, report.broken.event_id) == (3, str(target))
    assert report.broken.reason == "event content changed"
    capsys.readouterr()
    assert main(["verify", "--site", "hy-longan", "--database-url", database_url]) == 1
    assert "TAMPERED at link 3" in capsys.readouterr().err
