"""In a real browser, the demo's dried-longan story: an operator reads the batch as steps,
opens the packing row, follows a pallet to its shipment and runs a recall; a consumer reads
the journey on a phone. Screenshots go to test-artifacts/."""

from collections.abc import Iterator

import pytest

from tests.cloud.trace.story_world import PASSWORD, add_users
from tests.e2e.conftest import serve
from tests.e2e.demo_world import DemoWorld, seed_demo
from tests.e2e.pages import log_in
from tests.support.postgres import create_database, drop_database
from txng.demo import story as demo

DRIED, DRIED_LOT = demo.DRIED
PALLET = demo.PALLETS[0]
DISTRIBUTOR_NAME = "Công ty Phân phối Nông sản Long Biên (example)"


@pytest.fixture(scope="module")
def demo_live(migrated_template) -> Iterator[tuple[str, DemoWorld]]:
    url = create_database(template=migrated_template)
    world = seed_demo(url)
    add_users(url)
    with serve(url) as base:
        yield base, world
    drop_database(url)


def test_operator_reads_the_story_opens_packing_and_follows_the_pallet(demo_live, browser, shot):
    base, world = demo_live
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page, base, "op-farm", PASSWORD)
    page.goto(f"{base}/ui/batches?q={DRIED_LOT}")
    page.click("[data-testid=batch-link]")
    page.wait_for_url(f"{base}/ui/batches/{world.dried}")

    steps = page.locator("[data-testid=timeline] > [data-testid=step]")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == [
        "commissioning",
        "packing",
        "storing",
        "loading",
        "receiving",
    ]
    handover = steps.nth(4)
    assert "handover" in (handover.get_attribute("class") or "")
    assert DISTRIBUTOR_NAME in handover.inner_text()
    assert "warehouse-1" not in handover.inner_text()  # its name, not its internals
    cold = steps.nth(2)
    assert "12.0 °C" in cold.locator("[data-testid=conditions]").inner_text()
    alerts = cold.locator("[data-testid=step-alert]").all_inner_texts()
    assert alerts and all(a.startswith("excursion_high") for a in alerts)
    assert page.locator("svg.chart rect.excursion").count() >= 1
    page.locator("[data-testid=forwarding-status]").filter(has_not_text="…").wait_for()

    packing = steps.nth(1)
    assert "96" in packing.locator(".counts").inner_text()  # bags
    packing.locator("summary").click()
    scans = packing.locator("[data-testid=scan]")
    scans.nth(24).wait_for()
    assert scans.count() == 25
    assert "LN-000001" in scans.nth(0).inner_text()
    packing.locator("[data-testid=more-scans]").click()
    scans.nth(49).wait_for()
    assert scans.count() == 50
    shot(page, "story-batch")

    page.click(f"[data-testid=unit-link] >> text=SSCC {PALLET}")
    page.wait_for_url(f"{base}/ui/units/{PALLET}")
    assert page.locator("[data-testid=sscc]").inner_text() == PALLET
    shipment = page.locator("[data-testid=shipment]").first
    assert "truck" in shipment.inner_text() and DISTRIBUTOR_NAME in shipment.inner_text()
    shot(page, "story-pallet")

    page.goto(f"{base}/ui/batches/{world.dried}")
    page.click("[data-testid=recall-link]")
    page.locator("[data-testid=recall]").wait_for()
    assert page.locator("[data-testid=recall-batch]").count() == 2  # dried, and fresh longan
    assert DISTRIBUTOR_NAME in page.locator("[data-testid=recall-receiver]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=recall-csv]")
    assert download.value.suggested_filename == f"recall-batch-{DRIED}-{DRIED_LOT}.csv"
    shot(page, "story-recall")
    assert errors == []
    context.close()


def test_the_consumer_reads_the_journey_on_a_phone(demo_live, browser, shot):
    base, _ = demo_live
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    bag = demo.bag(4)
    page.goto(f"{base}/01/{DRIED}/21/{bag}")  # a bag's own QR code
    page.wait_for_url(f"{base}/01/{DRIED}/10/{DRIED_LOT}/21/{bag}")
    kinds = page.locator("[data-testid=journey-step]")
    assert [kinds.nth(i).get_attribute("data-kind") for i in range(kinds.count())] == [
        "harvest",
        "processing",
        "packing",
        "cold_storage",
        "shipping",
        "arrival",
        "shipping",
        "arrival",
    ]
    assert "Vườn nhãn A" in kinds.nth(0).inner_text()  # the fresh longan's orchard
    assert "HY-VT-0042" in page.locator("[data-testid=origin]").inner_text()
    assert page.locator("[data-testid=verdict]").get_attribute("class") == "verdict excursion"
    text = page.locator("article").inner_text()
    for private in ("scanner", "MKT", bag, PALLET, "farm-1", "cold-room-1"):
        assert private not in text.split("(01)")[0], private
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "story-consumer-phone")
    page.goto(f"{base}/01/{DRIED}/10/{DRIED_LOT}?lang=en")
    assert page.locator("[data-kind=harvest] b").inner_text() == "Harvest"
    shot(page, "story-consumer-phone-en")
    context.close()
