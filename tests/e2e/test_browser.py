"""In a real browser: log in, open a batch and see its chart, acknowledge an alert, and open the
consumer page on a phone-sized viewport. Screenshots go to test-artifacts/."""

from tests.cloud.api.seed import GTIN_A, LOT_A, PASSWORD
from tests.e2e.pages import log_in


def test_operator_logs_in_opens_a_batch_and_acknowledges_an_alert(live, browser, shot):
    base, world = live
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page, base, "op-a", PASSWORD)
    assert page.locator("[data-testid=devices-online]").inner_text().strip() == "1 / 1"
    assert page.locator("[data-testid=active-alerts]").inner_text().strip() == "1"
    shot(page, "dashboard")

    page.click("text=Lô hàng")
    page.click("[data-testid=batch-link]")
    page.wait_for_url(f"{base}/ui/batches/{world.batch_a}")
    chart = page.locator("[data-testid=temperature-chart]")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 500
    assert page.locator("svg.chart rect.band").count() == 1
    assert page.locator("svg.chart rect.excursion").count() >= 1
    # The batch's one step (received into the cold room) with its readings and alert inline.
    step = page.locator("[data-testid=timeline] > [data-testid=step]")
    assert step.count() == 1 and step.get_attribute("data-step") == "receiving"
    assert "12.0 °C" in step.locator("[data-testid=conditions]").inner_text()
    alerts = step.locator("[data-testid=step-alert]").all_inner_texts()
    assert alerts and all(a.startswith("excursion_high") for a in alerts)
    shot(page, "batch")

    page.goto(f"{base}/ui/alerts")
    row = page.locator(f"tr[data-alert='{world.alert_a}']")
    row.locator("input[name=comment]").fill("Đã đóng cửa kho")
    row.locator("button[data-action=acknowledge]").click()
    page.wait_for_load_state("load")
    page.locator(f"tr[data-alert='{world.alert_a}'] td.state", has_text="Đã xác nhận").wait_for()
    assert "Đã đóng cửa kho" in page.locator(f"tr[data-alert='{world.alert_a}']").inner_text()
    shot(page, "alerts")

    page.click("a.lang >> text=EN")
    page.locator("h1", has_text="Alerts").wait_for()
    page.goto(f"{base}/ui/devices")
    assert "pi-cold-01" in page.content() and "pi-line-09" not in page.content()
    shot(page, "devices")
    page.goto(f"{base}/ui/completeness")
    shot(page, "completeness")
    assert errors == []
    context.close()


def test_consumer_page_on_a_phone(live, browser, shot):
    base, _ = live
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    page.goto(f"{base}/01/{GTIN_A[1:]}/10/{LOT_A}?17=991231")
    assert page.locator("[data-testid=product-name]").inner_text() == "Long nhãn sấy"
    assert "OCOP" in page.content()
    cold = page.locator("[data-testid=cold-chain]")
    assert cold.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "consumer-phone")
    page.goto(f"{base}/01/{GTIN_A}/10/{LOT_A}?lang=en")
    assert "Producer" in page.content()
    shot(page, "consumer-phone-en")
    context.close()


def test_operator_prints_serialised_labels_from_the_batch_page(live, browser, shot, tmp_path):
    from pypdf import PdfReader

    base, world = live
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page, base, "op-b", PASSWORD)
    page.goto(f"{base}/ui/batches/{world.batch_b}")
    form = page.locator("form.print-labels")
    form.locator("select[name=symbology]").select_option("datamatrix")
    form.locator("input[name=serials]").fill("5")
    with page.expect_download() as download:
        form.locator("button[type=submit]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"labels-batch-{world.batch_b}.pdf"
    assert len(PdfReader(saved).pages) == 1
    page.locator("ul.jobs li").first.wait_for()
    assert "(1\u20135)" in page.locator("ul.jobs").inner_text()  # first to last serial
    shot(page, "batch-print-labels")
    assert errors == []
    context.close()
