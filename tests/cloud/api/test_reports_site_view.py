"""Cold-chain reports as an operator of one site sees them: their own site's part, and of the
other site only the handovers (cloud/trace/site_view.py); inspectors see the whole journey.

Batch B is packed at site B's line into a case, loaded onto B's van and received at A's cold
room; both sites have readings where it was. Every format (PDF, XLSX, CSV) of the batch report
and of the case's shipment report is read back and searched for the other site's places,
devices and reading values.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import (
    DEVICE_A,
    DEVICE_B,
    GTIN_B,
    LOT_B,
    SITE_A,
    SITE_B,
    ingest,
)
from tests.cloud.coldchain.helpers import temperature
from tests.support.factory import message, scan_of
from tests.support.seed import add_location
from tests.support.sql import query

SSCC = "389350000000000128"
B_VALUE = 3.25  # every reading at site B; site A's are 5.0 and 12.0
# What only site B's part of the journey shows: its places, device and alert (the CSV's rows
# are checked for B's reading values).
B_ONLY = ("line-1", "van-b", "Dây chuyền 1", "Xe tải B", DEVICE_B, "silent_probe")
# What only site A's part shows: its cold room (code and name) and its probe's device.
A_ONLY = ("cold-room-1", "Kho lạnh 1", DEVICE_A)


def _journey(world) -> datetime:
    """Batch B packed into a case at B, loaded on B's van, received at A; B's probes read."""
    start = query(world.url, "SELECT min(time) FROM events")[0][0]
    add_location(world.url, SITE_B, "van-b", "vehicle", name="Xe tải B")
    packed, loaded, received = (start + timedelta(minutes=m) for m in (5, 20, 50))
    at_b = [
        scan_of(2, at=packed, location="line-1", biz_step="packing", gtin=GTIN_B, lot=LOT_B),
        scan_of(
            3, at=packed + timedelta(seconds=5), location="line-1", biz_step="packing", sscc=SSCC
        ),
        scan_of(4, at=loaded, location="van-b", biz_step="loading", sscc=SSCC),
    ]
    readings_b = [
        temperature(
            start + timedelta(minutes=m),
            B_VALUE,
            seq=1000 + m,
            location="line-1" if m < 20 else "van-b",
        )
        for m in range(50)
    ]
    at_a = [scan_of(8, at=received, location="cold-room-1", biz_step="receiving", sscc=SSCC)]
    database = Database(world.url, max_connections=2)
    try:
        ingest(
            database,
            [
                message(at_b, site=SITE_B, device=DEVICE_B),
                message(readings_b, site=SITE_B, device=DEVICE_B),
                message(at_a, site=SITE_A, device=DEVICE_A),
            ],
            datetime.now(UTC),
        )
        worker = DeriveWorker(database, batch_size=50)
        while worker.run_once():
            pass
    finally:
        database.close()
    return received


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def _documents(client, world, path: str, who: str) -> dict[str, str]:
    """The report's PDF (both languages), XLSX and CSV as text, as `who` gets them."""
    texts = {}
    for fmt, lang in (("pdf", "vi"), ("pdf", "en"), ("xlsx", "en"), ("csv", "en")):
        response = client.get(path, params={"format": fmt, "lang": lang}, headers=auth(world, who))
        assert response.status_code == 200, (who, fmt, response.text)
        if fmt == "pdf":
            texts[f"pdf-{lang}"] = pdf_text(response.content)
        elif fmt == "xlsx":
            texts[fmt] = xlsx_text(response.content)
        else:
            texts[fmt] = response.content.decode("utf-8-sig")
    return texts


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def journey(world):
    return _journey(world)


def test_the_batch_report_shows_an_operator_their_part_and_an_inspector_all(client, world, journey):
    path = f"/api/batches/{world.batch_b}/report"
    whole = _documents(client, world, path, "inspector")
    for text in whole.values():  # the markers are readable in every format (the control)
        assert all(m in text for m in ("cold-room-1", DEVICE_A)), text[:300]
    for name in ("pdf-en", "xlsx", "csv"):
        assert all(m in whole[name] for m in ("line-1", "van-b", DEVICE_B)), name
    assert {r["site"] for r in _csv_rows(whole["csv"])} == {SITE_A, SITE_B}
    assert "3.25" in whole["csv"] and "silent_probe" in whole["pdf-en"]

    a = _documents(client, world, path, "op-a")
    for name, text in a.items():
        leaked = [m for m in B_ONLY if m in text]
        assert not leaked, (name, leaked)
        assert "cold-room-1" in text, name
    rows = _csv_rows(a["csv"])
    assert rows and {r["site"] for r in rows} == {SITE_A}
    assert {r["device"] for r in rows} == {DEVICE_A}
    # The step back: B's identity, the handover's time and business step; no place.
    assert "Handovers with other sites" in a["pdf-en"] and f"{SITE_B} loading" in a["pdf-en"]
    assert f"Site {SITE_A}'s part" in a["pdf-en"] and f"Site {SITE_A}'s part" in a["xlsx"]

    b = _documents(client, world, path, "op-b")
    for name, text in b.items():
        leaked = [m for m in A_ONLY if m in text]
        assert not leaked, (name, leaked)
    rows = _csv_rows(b["csv"])
    assert rows and {(r["site"], r["value"]) for r in rows} == {(SITE_B, "3.25")}
    assert {"5.0", "12.0"}.isdisjoint(r["value"] for r in rows)
    assert f"{SITE_A} receiving" in b["pdf-en"]  # the step forward


def test_a_stay_at_another_site_is_not_found_for_an_operator(client, world, journey):
    path = f"/api/batches/{world.batch_b}/report"
    start = query(world.url, "SELECT min(time) FROM events")[0][0]
    stay = {"location": "line-1", "at": (start + timedelta(minutes=1)).isoformat()}
    assert client.get(path, params=stay, headers=auth(world, "inspector")).status_code == 200
    assert client.get(path, params=stay, headers=auth(world, "op-b")).status_code == 200
    assert client.get(path, params=stay, headers=auth(world, "op-a")).status_code == 404
    mine = {**stay, "site": SITE_B}
    assert client.get(path, params=mine, headers=auth(world, "op-a")).status_code == 404


def test_the_shipment_report_shows_each_end_its_own_legs_and_events(client, world, journey):
    path = f"/api/units/{SSCC}/report"
    whole = _documents(client, world, path, "inspector")
    assert "van-b" in whole["pdf-en"] and DEVICE_B in whole["xlsx"]
    assert {r["location"] for r in _csv_rows(whole["csv"])} == {"van-b"}

    a = _documents(client, world, path, "op-a")  # the receiving end: B's van is B's
    for name, text in a.items():
        leaked = [m for m in B_ONLY if m in text]
        assert not leaked, (name, leaked)
    assert _csv_rows(a["csv"]) == []
    assert f"{SITE_B} loading" in a["pdf-en"] and SITE_B in a["pdf-en"]  # who shipped, when

    b = _documents(client, world, path, "op-b")
    assert {r["location"] for r in _csv_rows(b["csv"])} == {"van-b"}
    assert not [m for m in A_ONLY if m in b["pdf-en"]]
    assert f"{SITE_A} receiving" in b["pdf-en"]
