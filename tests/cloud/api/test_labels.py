"""Label routes: who may print for which site, serials commissioned, the QR opens the page."""

import io
from urllib.parse import urlsplit

import numpy as np
from PIL import Image

from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import GTIN_B
from tests.cloud.labels.reader_path import photographed, scanned
from tests.support.sql import scalar


def test_an_operator_prints_serialised_labels_for_a_batch_of_their_site(client, world):
    response = client.post(
        f"/api/batches/{world.batch_b}/labels",
        json={"serials": 3, "format": "zpl", "symbology": "datamatrix"},
        headers=auth(world, "op-b"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.zebra-zpl"
    assert response.text.count("^XA") == 3
    job = int(response.headers["X-Label-Job"])
    serials = scalar(world.url, "SELECT array_agg(serial ORDER BY serial) FROM commissioned_items "
                                "WHERE label_job = %s AND batch_id = %s", (job, world.batch_b))
    assert serials == ["1", "2", "3"]
    jobs = client.get(f"/api/batches/{world.batch_b}/label-jobs", headers=auth(world, "op-b"))
    assert [(j["id"], j["count"], j["created_by"]) for j in jobs.json()] == [(job, 3, "op-b")]
    again = client.post(f"/api/label-jobs/{job}/labels", json={"format": "pdf"},
                        headers=auth(world, "op-b"))
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    assert scalar(world.url, "SELECT count(*) FROM commissioned_items") == 3


def test_other_sites_batches_are_not_found_and_inspectors_may_not_print(client, world):
    body = {"serials": 2}
    other = client.post(f"/api/batches/{world.batch_b}/labels", json=body,
                        headers=auth(world, "op-a"))
    assert other.status_code == 404
    reader = client.post(f"/api/batches/{world.batch_b}/labels", json=body,
                         headers=auth(world, "inspector"))
    assert reader.status_code == 403
    anonymous = client.post(f"/api/batches/{world.batch_b}/labels", json=body,
                            headers={"Origin": "http://testserver"})
    assert anonymous.status_code == 401
    assert scalar(world.url, "SELECT count(*) FROM commissioned_items") == 0


def test_a_batch_whose_expiry_gs1_cannot_write_gets_an_error_naming_the_field(client, world):
    # the seed's batch A expires in 2099: as YYMMDD, GS1 would read 99 as 1999
    response = client.post(f"/api/batches/{world.batch_a}/labels", json={"serials": 5},
                           headers=auth(world, "admin"))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "expiry_date"
    assert scalar(world.url, "SELECT count(*) FROM label_jobs") == 0


def test_the_qr_code_opens_the_batch_consumer_page(client, world):
    response = client.post(
        f"/api/batches/{world.batch_b}/labels", json={"format": "png"},
        headers=auth(world, "admin"),
    )
    assert response.headers["content-type"] == "image/png"
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    (scan,) = scanned(photographed(pixels))
    assert (scan.gs1.gtin, scan.gs1.lot) == (GTIN_B, "CF-7")
    page = client.get(urlsplit(scan.raw).path)
    assert page.status_code == 200 and "Cà phê hạt" in page.text


def test_a_serialised_qr_code_opens_its_code_page_where_the_check_is_counted(client, world):
    response = client.post(
        f"/api/batches/{world.batch_b}/labels", json={"format": "png", "serials": 1},
        headers=auth(world, "op-b"),
    )
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    (scan,) = scanned(photographed(pixels))
    assert (scan.gs1.gtin, scan.gs1.lot, scan.gs1.serial) == (GTIN_B, "CF-7", "1")
    page = client.get(urlsplit(scan.raw).path)
    assert page.status_code == 200 and "Bạn là người đầu tiên kiểm tra mã này" in page.text
    assert scalar(world.url, "SELECT commissioned FROM public_checks WHERE serial = '1'")
