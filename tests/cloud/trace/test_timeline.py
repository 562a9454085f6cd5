"""The timeline of a batch across two hops: what happened in order, and its forwarding."""

from datetime import timedelta

import pytest

from cloud.db.forward_store import EVENT, enqueue
from cloud.db.pool import Database
from cloud.trace.timeline import batch_timeline
from tests.cloud.trace.helpers import idle, import_csv
from tests.support.factory import START, message, reading, scan_of
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

FRESH, DRIED, GIFT = "08936012345001", "08936012345018", "08936012345032"
SSCC_1, SSCC_2 = "389360123450000019", "389360123450000026"
H = timedelta(hours=1)


@pytest.fixture
def scenario(start_ingester, database_url, mqtt_url, tmp_path, registered_device):
    """Fresh longan → dried longan (received, stored, packed into SSCC_1, shipped) → gift box."""
    import_csv(
        database_url,
        tmp_path,
        "products",
        f"gtin,name,producer_name\n{DRIED},Long nhãn sấy,HTX Hồng Nam\n",
    )
    import_csv(
        database_url,
        tmp_path,
        "batches",
        "gtin,lot,production_date,origin_code,inputs\n"
        f"{FRESH},NL1,2026-10-20,HY-VT-0042,\n"
        f"{DRIED},LN1,2026-10-25,HY-VT-0042,{FRESH}/NL1\n"
        f"{GIFT},G1,2026-11-03,,{DRIED}/LN1\n",
    )
    start_ingester()
    t0 = START
    scans = [
        scan_of(1, at=t0, location="dock", biz_step="receiving", gtin=DRIED, lot="LN1"),
        scan_of(2, at=t0 + H, location="cold-room-1", biz_step="storing", gtin=DRIED, lot="LN1"),
        scan_of(3, at=t0 + 25 * H, location="line-1", biz_step="packing", gtin=DRIED, lot="LN1"),
        scan_of(
            4,
            at=t0 + 25 * H + timedelta(seconds=5),
            location="line-1",
            biz_step="packing",
            sscc=SSCC_1,
        ),
        scan_of(5, at=t0 + 26 * H, location="dock", biz_step="shipping", sscc=SSCC_1),
        # The gift boxes are packed elsewhere into SSCC_2.
        scan_of(6, at=t0 + 50 * H, location="line-1", biz_step="packing", gtin=GIFT, lot="G1"),
        scan_of(
            7,
            at=t0 + 50 * H + timedelta(seconds=5),
            location="line-1",
            biz_step="packing",
            sscc=SSCC_2,
        ),
        scan_of(8, at=t0 + 51 * H, location="dock", biz_step="shipping", sscc=SSCC_2),
    ]
    readings = [
        reading(100 + i, 9.5 if 10 <= i < 14 else 4.0, location="cold-room-1").model_copy(
            update={"device_time": t0 + i * timedelta(minutes=10)}
        )
        for i in range(0, 30 * 6)
    ]
    publish_all(
        mqtt_url,
        [message(scans[i : i + 1]) for i in range(len(scans))]
        + [message(readings[i : i + 60]) for i in range(0, len(readings), 60)],
    )
    wait_for(
        lambda: (
            idle(database_url)
            and len(query(database_url, "SELECT * FROM unit_contents")) == 2
            and len(query(database_url, "SELECT * FROM readings")) == len(readings)
        )
    )
    database = Database(database_url, max_connections=1)
    yield database
    database.close()


def test_the_timeline_tells_what_happened_in_order(scenario):
    timeline = batch_timeline(scenario, (DRIED, "LN1"), points=50)
    assert timeline is not None
    assert timeline.origin.origin_code == "HY-VT-0042"
    assert timeline.origin.producer_name == "HTX Hồng Nam"
    steps = [
        (e.kind, e.biz_step or "", e.location or "", e.via_sscc or "") for e in timeline.entries
    ]
    assert steps == [
        ("origin", "", "HY-VT-0042", ""),
        ("event", "receiving", "dock", ""),
        ("stay", "", "dock", ""),
        ("event", "storing", "cold-room-1", ""),
        ("stay", "", "cold-room-1", ""),
        ("event", "packing", "line-1", ""),
        ("stay", "", "line-1", ""),
        ("event", "packing", "line-1", SSCC_1),
        ("stay", "", "line-1", SSCC_1),
        ("event", "shipping", "dock", SSCC_1),
    ]
    cold = next(e for e in timeline.entries if e.kind == "stay" and e.location == "cold-room-1")
    assert cold.end == START + 25 * H
    assert cold.conditions is not None
    assert cold.conditions.readings == 24 * 6  # from t0 + 1 h to t0 + 25 h
    assert (cold.conditions.min, cold.conditions.max) == (4.0, 9.5)
    assert cold.conditions.mkt is not None and 4.0 < cold.conditions.mkt < 9.5
    assert 0 < len(timeline.series) <= 50
    assert sum(p.count for p in timeline.series) == 24 * 6
    assert [(b.gtin, b.lot) for b in timeline.inputs] == [(FRESH, "NL1")]
    assert [(b.gtin, b.lot) for b in timeline.outputs] == [(GIFT, "G1")]
    assert [u.sscc for u in timeline.units] == [SSCC_1]
    assert (timeline.forwarding.status, timeline.forwarding.destinations) == ("not_queued", [])


def test_the_timeline_tells_how_forwarding_of_its_events_stands(scenario):
    timeline = batch_timeline(scenario, (DRIED, "LN1"))
    assert timeline is not None
    events = [e.event_id for e in timeline.entries if e.event_id is not None]
    assert len(events) == 5
    sent_at = START + 30 * H
    with scenario.transaction() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO forward_destinations (name, adapter) VALUES ('portal', 'portal')")
        enqueue(cur, kind=EVENT, items=[(event_id, {}) for event_id in events])
        cur.execute(
            "UPDATE forward_outbox SET state = 'sent', sent_at = %s WHERE key = ANY(%s)",
            (sent_at, events[:3]),
        )
    delivering = batch_timeline(scenario, (DRIED, "LN1"))
    assert delivering is not None
    assert delivering.forwarding.status == "pending"
    (portal,) = delivering.forwarding.destinations
    assert (portal.destination, portal.sent, portal.pending, portal.parked) == ("portal", 3, 2, 0)
    assert portal.last_sent_at == sent_at

    with scenario.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE forward_outbox SET state = 'parked', missing_field = 'producer_tax_code' "
            "WHERE key = %s",
            (events[3],),
        )
        cur.execute("UPDATE forward_outbox SET state = 'skipped' WHERE key = %s", (events[4],))
    held = batch_timeline(scenario, (DRIED, "LN1"))
    assert held is not None
    assert held.forwarding.status == "parked"
    (portal,) = held.forwarding.destinations
    assert (portal.sent, portal.pending, portal.parked, portal.skipped) == (3, 0, 1, 1)
    assert portal.missing_fields == ["producer_tax_code"]

    with scenario.transaction() as conn, conn.cursor() as cur:
        cur.execute("UPDATE forward_outbox SET state = 'sent' WHERE key = %s", (events[3],))
    done = batch_timeline(scenario, (DRIED, "LN1"))
    assert done is not None and done.forwarding.status == "delivered"
