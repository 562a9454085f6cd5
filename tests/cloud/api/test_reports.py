"""Reports over HTTP (who may fetch which) and from `txng report`."""

import io

from pypdf import PdfReader

from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import SITE_A
from tests.support.sql import query
from txng.cli import main


def test_batch_report_route_formats_and_who_may_fetch_it(client, world):
    path = f"/api/batches/{world.batch_a}/report"
    assert client.get(path).status_code == 401
    # Operators see their own site's batches only; another site's is not found.
    assert client.get(path, headers=auth(world, "op-b")).status_code == 404
    for who in ("op-a", "inspector", "admin"):
        response = client.get(path, headers=auth(world, who))
        assert response.status_code == 200, who
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="txng-batch-')
    assert response.headers["x-report-verdict"] == "fail"  # 25 minutes at 12 °C, 10 allowed
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "KHÔNG ĐẠT" in text and "Long nhãn sấy" in text

    xlsx = client.get(path, params={"format": "xlsx", "lang": "en"}, headers=auth(world, "op-a"))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    rows = client.get(path, params={"format": "csv"}, headers=auth(world, "op-a"))
    assert rows.headers["content-type"] == "text/csv; charset=utf-8"
    assert len(rows.content.decode("utf-8-sig").splitlines()) == 151  # header + 150 readings

    # One stay, by a time within it; a time when the batch was not there is 404.
    start = query(
        world.url, "SELECT min(start_time) FROM presence WHERE batch_id = %s", (world.batch_a,)
    )[0][0]
    stay = {"location": "cold-room-1", "at": start.isoformat(), "format": "csv"}
    assert client.get(path, params=stay, headers=auth(world, "op-a")).status_code == 200
    before = {**stay, "at": "2000-01-01T00:00:00"}
    assert client.get(path, params=before, headers=auth(world, "op-a")).status_code == 404
    half = {"location": "cold-room-1"}
    assert client.get(path, params=half, headers=auth(world, "op-a")).status_code == 422
    assert client.get(f"{path}?format=doc", headers=auth(world, "op-a")).status_code == 422


def test_unit_routes_show_shipments_from_or_to_ones_own_site(client, world):
    assert client.get("/api/units/123/shipments", headers=auth(world, "admin")).status_code == 422
    unknown = "/api/units/389360123450000017"
    assert client.get(f"{unknown}/shipments", headers=auth(world, "admin")).status_code == 404
    assert client.get(f"{unknown}/report", headers=auth(world, "admin")).status_code == 404


def test_txng_report_writes_the_file(world, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    args = ["report", "batch", str(world.batch_a), "--lang", "en", "-o", str(out)]
    assert main([*args, "--database-url", world.url]) == 0
    assert "FAIL" in PdfReader(out).pages[0].extract_text()
    gtin_lot = query(
        world.url, "SELECT gtin || '/' || lot FROM batches WHERE id = %s", (world.batch_a,)
    )[0][0]
    csv_out = tmp_path / "readings.csv"
    assert (
        main(
            [
                "report",
                "batch",
                gtin_lot,
                "--format",
                "csv",
                "-o",
                str(csv_out),
                "--database-url",
                world.url,
            ]
        )
        == 0
    )
    assert csv_out.read_text(encoding="utf-8-sig").count(SITE_A) == 150
    assert main(["report", "batch", "999999", "--database-url", world.url]) == 1
    assert main(["report", "shipments", "389360123450000017", "--database-url", world.url]) == 1
