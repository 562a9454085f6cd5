"""Presence and packing derived from scans that travel through the real broker and ingester."""

from datetime import timedelta

import pytest

from cloud.derive.registry import KINDS
from tests.support.factory import START, message, scan_of
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

GTIN_A, GTIN_B = "08935000000011", "08935000000028"
SSCC = "389350000000000017"


def _presence(url: str, batch_lot: str) -> list[tuple]:
    return query(
        url,
        "SELECT p.location, p.start_time, p.end_time, p.via_sscc FROM batch_presence p "
        "JOIN batches b ON b.id = p.batch_id WHERE b.lot = %s ORDER BY p.start_time",
        (batch_lot,),
    )


def _idle(url: str) -> bool:
    """No derived work waits that this process has a handler for."""
    waiting = query(
        url, "SELECT count(*) FROM work_queue WHERE kind = ANY(%s)", (sorted(KINDS),)
    )
    return waiting[0][0] == 0


def test_receiving_opens_a_stay_and_a_late_event_rederives_it(
    start_ingester, database_url, mqtt_url
):
    start_ingester()
    at = START
    publish_all(
        mqtt_url,
        [
            message(
                [scan_of(1, at=at, location="dock", biz_step="receiving", gtin=GTIN_A, lot="L1")]
            ),
            message(
                [
                    scan_of(
                        2,
                        at=at + timedelta(hours=1),
                        location="cold-1",
                        biz_step="storing",
                        gtin=GTIN_A,
                        lot="L1",
                    )
                ]
            ),
        ],
    )
    wait_for(lambda: len(_presence(database_url, "L1")) == 2 and _idle(database_url))
    assert [(r[0], r[2] is None) for r in _presence(database_url, "L1")] == [
        ("dock", False),
        ("cold-1", True),
    ]
    verified, source, first_seen = query(
        database_url, "SELECT verified, source, first_seen FROM batches"
    )[0]
    assert (verified, source, first_seen) == (False, "scan", at)

    # The shipping scan arrives late, and after it an earlier inspection at the cold room.
    publish_all(
        mqtt_url,
        [
            message(
                [
                    scan_of(
                        5,
                        at=at + timedelta(days=2),
                        location="cold-1",
                        biz_step="shipping",
                        gtin=GTIN_A,
                        lot="L1",
                    )
                ]
            ),
            message(
                [
                    scan_of(
                        4,
                        at=at + timedelta(hours=30),
                        location="cold-1",
                        biz_step="inspecting",
                        gtin=GTIN_A,
                        lot="L1",
                    )
                ]
            ),
        ],
    )
    wait_for(lambda: _presence(database_url, "L1")[-1][2] is not None and _idle(database_url))
    assert [(r[0], r[1] - at, r[2] - at) for r in _presence(database_url, "L1")] == [
        ("dock", timedelta(0), timedelta(hours=1)),
        ("cold-1", timedelta(hours=1), timedelta(days=2)),
    ]


def test_batches_packed_on_a_line_follow_their_unit(start_ingester, database_url, mqtt_url):
    start_ingester()
    t = START
    scans = [
        scan_of(1, at=t, location="line-1", biz_step="packing", gtin=GTIN_A, lot="LA"),
        scan_of(
            2,
            at=t + timedelta(seconds=5),
            location="line-1",
            biz_step="packing",
            gtin=GTIN_B,
            lot="LB",
        ),
        scan_of(3, at=t + timedelta(seconds=9), location="line-1", biz_step="packing", sscc=SSCC),
        scan_of(4, at=t + timedelta(minutes=20), location="cold-1", biz_step="storing", sscc=SSCC),
    ]
    # The SSCC scans arrive before the batch scans they close.
    publish_all(mqtt_url, [message([scans[2], scans[3]]), message([scans[1]]), message([scans[0]])])
    wait_for(
        lambda: len(query(database_url, "SELECT * FROM unit_contents")) == 2 and _idle(database_url)
    )
    contents = query(
        database_url,
        "SELECT b.lot, c.packed_at FROM unit_contents c JOIN batches b ON b.id = c.batch_id "
        "ORDER BY b.lot",
    )
    assert contents == [("LA", scans[2].device_time), ("LB", scans[2].device_time)]
    stays = _presence(database_url, "LB")
    assert [(r[0], r[3]) for r in stays] == [("line-1", None), ("line-1", SSCC), ("cold-1", SSCC)]
    assert stays[-1][1] == scans[3].device_time
    # The batch's own stay at the line ends when its unit left (cloud/batches/packing.py).
    assert stays[0][2] == stays[1][2] == scans[3].device_time


def test_a_logistic_label_names_its_content(start_ingester, database_url, mqtt_url):
    start_ingester()
    label = scan_of(
        1,
        at=START,
        location="dock",
        biz_step="receiving",
        sscc=SSCC,
        lot="LX",
        other={"02": GTIN_A, "37": "40"},
    )
    publish_all(mqtt_url, [message([label])])
    wait_for(lambda: len(_presence(database_url, "LX")) == 1 and _idle(database_url))
    assert _presence(database_url, "LX")[0][::3] == ("dock", SSCC)
