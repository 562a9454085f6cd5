"""Integrity signals raised through the real broker and ingester, each as its own alert kind."""

from datetime import date, timedelta

import pytest

from tests.cloud.trace.helpers import alerts, idle, import_csv
from tests.support.factory import START, message, scan_of
from tests.support.mqtt import publish_all
from tests.support.seed import add_device
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

HONEY = "08936012345025"
LONGAN = "08936012345018"
SSCC = "389360123450000019"
LOCATIONS = (
    "site,code,kind,latitude,longitude\n"
    "hy-longan,cold-room-1,cold_room,20.6462,106.0511\n"
    "hcm-shop,shop-1,shop,10.7769,106.7009\n"
)


def test_a_unit_seen_too_far_apart_too_soon(start_ingester, database_url, mqtt_url, tmp_path):
    import_csv(database_url, tmp_path, "locations", LOCATIONS)
    add_device(database_url, "hcm-shop", "pi-shop")  # registered: its data is not held
    start_ingester()
    here = scan_of(1, at=START, location="cold-room-1", biz_step="storing", sscc=SSCC)
    # Hưng Yên → Hồ Chí Minh City (~1,150 km) in two hours, and later in a plausible 2 days.
    there = scan_of(
        1, at=START + timedelta(hours=2), location="shop-1", biz_step="receiving", sscc=SSCC
    )
    fine = scan_of(
        2, at=START + timedelta(days=2), location="shop-1", biz_step="receiving", sscc=SSCC
    )
    publish_all(
        mqtt_url,
        [
            message([here]),
            message([there], site="hcm-shop", device="pi-shop"),
            message([fine], site="hcm-shop", device="pi-shop"),
        ],
    )
    found = wait_for(lambda: idle(database_url) and alerts(database_url, "impossible_travel"))
    assert len(found) == 1
    key, site, location, _, details = found[0]
    assert key == f"impossible_travel:sscc:{SSCC}:{here.id}:{there.id}"
    assert (site, location) == ("hcm-shop", "shop-1")
    assert 1000 < details["distance_km"] < 1300
    assert details["speed_kmh"] > 120


def test_a_serial_never_commissioned(start_ingester, database_url, mqtt_url, tmp_path):
    import_csv(database_url, tmp_path, "products", f"gtin,name,serialised\n{HONEY},Honey,true\n")
    import_csv(database_url, tmp_path, "batches", f"gtin,lot\n{HONEY},MO1\n")
    import_csv(database_url, tmp_path, "items", f"gtin,serial,lot\n{HONEY},S-1,MO1\n")
    start_ingester()
    scans = [
        scan_of(
            1, at=START, location="shop-1", biz_step="retail_selling", gtin=HONEY, serial="S-1"
        ),
        scan_of(
            2, at=START, location="shop-1", biz_step="retail_selling", gtin=HONEY, serial="FAKE"
        ),
        # Not a serialised product: its serials need no commissioning.
        scan_of(3, at=START, location="shop-1", biz_step="retail_selling", gtin=LONGAN, serial="X"),
    ]
    publish_all(mqtt_url, [message(scans)])
    wait_for(lambda: idle(database_url) and alerts(database_url, "uncommissioned_code"))
    found = alerts(database_url, "uncommissioned_code")
    assert [row[0] for row in found] == [f"uncommissioned_code:sgtin:{HONEY}.FAKE"]


def test_scans_of_an_expired_batch(start_ingester, database_url, mqtt_url, tmp_path):
    import_csv(
        database_url,
        tmp_path,
        "batches",
        f"gtin,lot,expiry_date\n{LONGAN},OLD,2026-10-31\n{LONGAN},NEW,2027-10-31\n",
    )
    start_ingester()
    old = scan_of(1, at=START, location="shop-1", biz_step="receiving", gtin=LONGAN, lot="OLD")
    new = scan_of(2, at=START, location="shop-1", biz_step="receiving", gtin=LONGAN, lot="NEW")
    # The batch has no expiry date on file, but the label carries AI 17.
    labelled = scan_of(3, at=START, location="shop-1", biz_step="receiving", gtin=LONGAN, lot="L17")
    assert labelled.gs1 is not None
    labelled = labelled.model_copy(
        update={"gs1": labelled.gs1.model_copy(update={"expiry_date": date(2026, 10, 1)})}
    )
    publish_all(mqtt_url, [message([old, new, labelled])])
    wait_for(lambda: idle(database_url) and len(alerts(database_url, "expired_batch_scan")) == 2)
    found = alerts(database_url, "expired_batch_scan")
    assert [(r[4]["expiry_date"], r[4]["first_event"]) for r in found] in (
        [("2026-10-31", str(old.id)), ("2026-10-01", str(labelled.id))],
        [("2026-10-01", str(labelled.id)), ("2026-10-31", str(old.id))],
    )
    assert all(r[1:3] == ("hy-longan", "shop-1") for r in found)
