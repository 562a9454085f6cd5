"""In a real browser, the dried-longan story: an operator reads the batch as steps, opens the
packing row, follows the pallet to its shipment and runs a recall; a consumer reads the journey
on a phone. Screenshots go to test-artifacts/."""

from collections.abc import Iterator

import pytest

from tests.cloud.trace.story_world import (
    DISTRIBUTOR,
    DRIED,
    DRIED_LOT,
    PALLET,
    PASSWORD,
    SERIALS,
    StoryWorld,
    add_users,
    seed_story,
)
from tests.e2e.conftest import serve
from tests.support.postgres import create_database, drop_database


@pytest.fixture(scope="module")
def story_live(migrated_template) -> Iterator[tuple[str, StoryWorld]]:
    url = create_database(template=migrated_template)
    world = seed_story(url)
    add_users(url)
    with serve(url) as base:
        yield base, world
    drop_database(url)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_operator_reads_the_story_opens_packing_and_follows_the_pallet(story_live, browser, shot):
    base, world = story_live
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    _login(page, base, "op-farm")
    page.goto(f"{base}/ui/batches?q={DRIED_LOT}")
    page.click("[data-testid=batch-link]")
    page.wait_for_url(f"{base}/ui/batches/{world.dried}")

    steps = page.locator("[data-testid=timeline] > [data-testid=step]")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == [
        "packing",
        "storing",
        "shipping",
        "receiving",
    ]
    assert "handover" in (steps.nth(3).get_attribute("class") or "")
    assert DISTRIBUTOR not in steps.nth(3).inner_text()  # its name, not its internals
    cold = steps.nth(1)
    assert "12.0 °C" in cold.locator("[data-testid=conditions]").inner_text()
    alerts = cold.locator("[data-testid=step-alert]").all_inner_texts()
    assert alerts and all(a.startswith("excursion_high") for a in alerts)
    assert page.locator("svg.chart rect.excursion").count() >= 1
    page.locator("[data-testid=forwarding-status]", has_text="Chưa có").wait_for()

    packing = steps.nth(0)
    packing.locator("summary").click()
    scans = packing.locator("[data-testid=scan]")
    scans.nth(24).wait_for()
    assert scans.count() == 25
    packing.locator("[data-testid=more-scans]").click()
    scans.nth(30).wait_for()
    assert scans.count() == 31 and packing.locator("[data-testid=more-scans]").count() == 0
    assert SERIALS[0] in scans.nth(0).inner_text()
    assert f"SSCC {PALLET}" in scans.nth(30).inner_text()
    shot(page, "story-batch")

    page.click("[data-testid=unit-link]")
    page.wait_for_url(f"{base}/ui/units/{PALLET}")
    assert page.locator("[data-testid=sscc]").inner_text() == PALLET
    shipment = page.locator("[data-testid=shipment]").first
    assert "Công ty Phân phối Nông sản Long Biên (example)" in shipment.inner_text()
    shot(page, "story-pallet")

    page.goto(f"{base}/ui/batches/{world.dried}")
    page.click("[data-testid=recall-link]")
    page.locator("[data-testid=recall]").wait_for()
    assert page.locator("[data-testid=recall-batch]").count() == 2
    assert (
        "Công ty Phân phối Nông sản Long Biên (example)"
        in page.locator("[data-testid=recall-receiver]").inner_text()
    )
    with page.expect_download() as download:
        page.click("[data-testid=recall-csv]")
    assert download.value.suggested_filename == f"recall-batch-{DRIED}-{DRIED_LOT}.csv"
    shot(page, "story-recall")
    assert errors == []
    context.close()


def test_the_consumer_reads_the_journey_on_a_phone(story_live, browser, shot):
    base, _ = story_live
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    page.goto(f"{base}/01/{DRIED}/21/{SERIALS[3]}")  # a pack's own QR code
    page.wait_for_url(f"{base}/01/{DRIED}/10/{DRIED_LOT}")
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
    assert "Nhãn lồng Hưng Yên tươi" in kinds.nth(0).inner_text()
    assert page.locator("[data-testid=verdict]").get_attribute("class") == "verdict excursion"
    text = page.locator("article").inner_text()
    for private in ("pi-", "scanner", "MKT", SERIALS[3], PALLET):
        assert private not in text.split("(01)")[0], private
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "story-consumer-phone")
    page.goto(f"{base}/01/{DRIED}/10/{DRIED_LOT}?lang=en")
    assert page.locator("[data-kind=harvest] b").inner_text() == "Harvest"
    shot(page, "story-consumer-phone-en")
    context.close()
