"""The consumer page (GS1 Digital Link, public, nothing private) and the server-rendered pages."""

from datetime import UTC, datetime

import pytest

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.local_time import LOCAL_TIME
from tests.cloud.api.seed import DEVICE_A, GTIN_A, LOT_A, PASSWORD, SITE_A, ingest
from tests.support.factory import message, scan_of
from tests.support.sql import query


@pytest.mark.parametrize(
    "path",
    [
        f"/01/{GTIN_A}/10/{LOT_A}",
        f"/01/{GTIN_A[1:]}/10/{LOT_A}",
        f"/01/{GTIN_A}/10/{LOT_A}?17=991231&linkType=all",
    ],
)
def test_consumer_page_is_public(client, world, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert "Long nhãn sấy" in html and "HTX Hồng Nam" in html and "★★★★☆" in html
    assert "Vườn nhãn số 7" in html and 'data-testid="cold-chain"' in html
    assert "width=device-width" in html


def test_consumer_page_shows_nothing_private(client, world):
    html = client.get(f"/01/{GTIN_A}/10/{LOT_A}").text
    data = client.get(f"/api/public/01/{GTIN_A}/10/{LOT_A}").json()
    for private in ("pi-cold-01", "probe-1", "op-a", "admin", "scanner-1", "cold-room-1"):
        assert private not in html, private
        assert private not in str(data), private
    assert data["cold_chain"] == "excursion"
    assert [s["biz_step"] for s in data["stages"]] == ["receiving"]
    assert data["trace_code"] == f"(01){GTIN_A}(10){LOT_A}"


def test_consumer_page_stages_follow_serials_commissioned_into_the_batch(client, world):
    # As the timeline does: a pack scanned by GTIN + serial only is still this batch.
    query(
        world.url,
        "INSERT INTO commissioned_items (gtin, serial, batch_id) VALUES (%s, 'SN-1', %s) "
        "RETURNING serial",
        (GTIN_A, world.batch_a),
    )
    database = Database(world.url, max_connections=1)
    try:
        scan = scan_of(
            2,
            at=datetime.now(UTC),
            location="dock",
            biz_step="shipping",
            gtin=GTIN_A,
            serial="SN-1",
        )
        ingest(database, [message([scan], site=SITE_A, device=DEVICE_A)], datetime.now(UTC))
        worker = DeriveWorker(database, batch_size=50)  # stages are the batch's derived steps
        while worker.run_once():
            pass
    finally:
        database.close()
    data = client.get(f"/api/public/01/{GTIN_A}/10/{LOT_A}").json()
    assert [s["biz_step"] for s in data["stages"]] == ["receiving", "shipping"]


def test_consumer_page_in_english(client, world):
    html = client.get(f"/01/{GTIN_A}/10/{LOT_A}?lang=en").text
    assert "Producer" in html and "Expiry date" in html
    assert "Nhà sản xuất" in client.get(f"/01/{GTIN_A}/10/{LOT_A}?lang=vi").text


def test_unknown_batch_is_404(client, world):
    assert client.get(f"/01/{GTIN_A}/10/NOPE").status_code == 404
    missing = client.get(f"/api/public/01/{GTIN_A}/10/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/public/01/12345/10/X").status_code == 422


def _login(client, username):
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD},
        headers={"Origin": "http://testserver"},
    )


def test_pages_render_for_an_operator(client, world):
    _login(client, "op-a")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert (
        'data-testid="devices-online"' in dashboard.text and "Lượt quét gần đây" in dashboard.text
    )
    batch = client.get(f"/ui/batches/{world.batch_a}")
    assert batch.status_code == 200
    assert 'data-testid="temperature-chart"' in batch.text
    assert 'class="band"' in batch.text and 'class="excursion"' in batch.text
    assert 'data-testid="forwarding"' in batch.text and "Chưa có sự kiện nào chờ gửi" in batch.text
    assert client.get(f"/ui/batches/{world.batch_b}").status_code == 404
    assert LOT_A in client.get("/ui/batches?q=LOT").text
    assert "alert-action" in client.get("/ui/alerts").text
    assert "pi-cold-01" in client.get("/ui/devices").text
    assert "pi-line-09" not in client.get("/ui/devices").text
    assert "Long nhãn sấy" in client.get("/ui/completeness").text


def test_language_switch(client, world):
    _login(client, "inspector")
    client.get("/lang/en?next=/ui/alerts", follow_redirects=False)
    assert "Alerts" in client.get("/ui/alerts").text
    client.get("/lang/vi")
    assert "Cảnh báo" in client.get("/ui/alerts").text
    assert "alert-action" not in client.get("/ui/alerts").text  # inspectors only read


def test_static_files_are_packaged(client):
    assert client.get("/static/app.css").status_code == 200
    assert "fetch(" in client.get("/static/app.js").text


def test_consumer_page_data_is_reused_for_a_few_seconds_per_batch(client, world):
    first = client.get(f"/api/public/01/{GTIN_A}/10/{LOT_A}")
    again = client.get(f"/01/{GTIN_A[1:]}/10/{LOT_A}")  # the same batch, the HTML page
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert client.get(f"/api/public/01/{GTIN_A}/10/{LOT_A}").json() == first.json()
    # An unknown batch is never kept: once it exists, its page is there.
    assert client.get(f"/01/{GTIN_A}/10/NOPE").status_code == 404
    assert client.app.state.public_cache.get((GTIN_A, "NOPE")) is None


def test_pages_show_vietnam_time_and_name_it(client, world):
    """Times on operator pages and the consumer page are Vietnam time (UTC+07:00), named."""
    zone = "UTC+07:00, Asia/Ho_Chi_Minh"
    consumer = client.get(f"/01/{GTIN_A}/10/{LOT_A}?lang=en")
    assert 'data-testid="time-zone"' in consumer.text and zone in consumer.text
    _login(client, "op-a")
    started = query(world.url, "SELECT started_at FROM alerts WHERE id = %s", (world.alert_a,))[0]
    at = started[0]
    page = client.get(f"/ui/alerts/{world.alert_a}?lang=en").text
    assert at.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M") in page
    assert at.astimezone(UTC).strftime("%d/%m/%Y %H:%M") not in page
    assert f"Times in Vietnam time ({zone})" in page
