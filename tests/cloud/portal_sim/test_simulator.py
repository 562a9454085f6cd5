"""The portal simulator: tokens, dedupe by client reference, faults, EPCIS capture."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer
from tests.support.waiting import wait_for

# The shared EPCIS test data: ../shared/testdata/epcis from the repository root.
EPCIS = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "epcis" / "openepcis"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(Faults(seed=1)) as server:
        yield server


def token(client: httpx.Client) -> dict[str, str]:
    answer = client.post(
        "/sso/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "txng",
            "client_secret": "txng-secret",
        },
    )
    assert answer.status_code == 200
    return {"authorization": f"Bearer {answer.json()['access_token']}"}


PRODUCT = {
    "maThamChieu": "8936012345001",
    "maGtin": "8936012345001",
    "tenSanPham": "Nhãn",
    "anhSanPham": ["https://example.org/a.jpg"],
    "khoiLuongTinh": 1,
    "donViTinh": "KG",
    "nhomSanPham": "fresh-fruit",
}


def test_token_create_dedupe_confirm_and_errors(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        assert client.post("/api/v1/san-pham", json=PRODUCT).status_code == 401
        bad = client.post("/sso/oauth/token", data={"client_id": "x", "client_secret": "y"})
        assert bad.status_code == 401
        auth = token(client)
        first = client.post("/api/v1/san-pham", json=PRODUCT, headers=auth).json()
        again = client.post("/api/v1/san-pham", json=PRODUCT, headers=auth).json()
        assert first["id"] == again["id"]
        assert client.put(f"/api/v1/san-pham/{first['id']}/xac-nhan", headers=auth).is_success
        wrong = client.post(
            "/api/v1/san-pham",
            json={**PRODUCT, "maGtin": "8936012345003", "maThamChieu": "x"},
            headers=auth,
        )
        assert wrong.status_code == 400
        assert set(wrong.json()) == {"error", "debugMessage", "errorInFile"}
        assert wrong.json()["error"] == "ERR_GTIN"
        order = client.post(
            "/api/v1/lenh-san-xuat",
            json={"maThamChieu": "o", "sanPhamId": "nope", "soLo": "L"},
            headers=auth,
        )
        assert order.status_code == 400 and order.json()["error"] == "ERR_NOT_FOUND"
    summary = sim.state.records.summary()["product"]
    assert summary == {
        "records": 1,
        "confirmed": 1,
        "created": 1,
        "deduped": 1,
        "references": 1,
        "unconfirmed": 0,
        "confirmed_twice": 0,
    }


def test_token_expiry_on_the_simulated_clock(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        client.post("/_admin/faults", json={"token_ttl_s": 60})
        auth = token(client)
        assert client.post("/api/v1/san-pham", json=PRODUCT, headers=auth).status_code == 200
        client.post("/_admin/advance", json={"seconds": 61})
        assert client.post("/api/v1/san-pham", json=PRODUCT, headers=auth).status_code == 401


def test_rate_limit_answers_429_with_retry_after(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        client.post("/_admin/faults", json={"rate_limit_per_s": 5})
        statuses = [client.post("/sso/oauth/token", data={}).status_code for _ in range(12)]
        assert statuses.count(429) >= 5
        limited = client.post("/sso/oauth/token", data={})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_outage_on_a_fast_clock_and_latency(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        client.post("/_admin/faults", json={"clock_speed": 600, "latency_s": 0.05})
        client.post("/_admin/outage", json={"seconds": 600})  # ten simulated minutes
        assert client.post("/sso/oauth/token", data={}).status_code == 503
        # a simulated ten minutes pass in one real second: the portal is back (wrong secret)
        wait_for(lambda: client.post("/sso/oauth/token", data={}).status_code == 401, timeout=30)
        assert sim.state.clock.now() >= sim.state.outage_until
        assert sim.state.delayed == sum(sim.state.statuses.values())  # each answer held back


def test_lost_answers_and_errors_are_injected(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        client.post("/_admin/faults", json={"error_rate": 0.5})
        statuses = [client.post("/sso/oauth/token", data={}).status_code for _ in range(40)]
        assert 5 < statuses.count(503) < 35
        assert client.post("/_admin/faults", json={"error_rate": 2}).status_code == 400


def _created(client: httpx.Client, path: str, body: dict, auth: dict[str, str]) -> str:
    answer = client.post(path, json=body, headers=auth)
    assert answer.status_code == 200, answer.text
    record_id = str(answer.json()["id"])
    assert client.put(f"{path}/{record_id}/xac-nhan", headers=auth).is_success
    return record_id


def test_the_portals_order_is_checked_and_dedupe_can_be_off(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        auth = token(client)
        product = _created(client, "/api/v1/san-pham", PRODUCT, auth)
        order = {"maThamChieu": "o1", "sanPhamId": product, "soLo": "L1", "maVungTrong": "VT-1"}
        early = client.post("/api/v1/lenh-san-xuat", json=order, headers=auth)
        assert early.status_code == 400 and early.json()["error"] == "ERR_NOT_FOUND"  # no area
        area = {"maThamChieu": "VT-1", "maVungTrong": "VT-1", "tenVungTrong": "Vườn A"}
        _created(client, "/api/v1/vung-trong", area, auth)
        order_id = _created(client, "/api/v1/lenh-san-xuat", order, auth)
        chain = {"maThamChieu": "o1", "lenhSanXuatId": order_id}
        chain_id = _created(client, "/api/v1/chuoi-san-xuat", chain, auth)
        event = {
            "maThamChieu": "e1",
            "lenhSanXuatId": order_id,
            "maTruyXuat": chain_id,
            "thoiGian": "2026-07-20T06:00:00+07:00",
            "maTruyXuatSanPham": "(01)08936012345001(10)L1",
            "maTruyXuatDiaDiem": "8936012349023",
        }
        nowhere = client.post("/api/v1/su-kien/SU_KIEN_VUNG_TRONG", json=event, headers=auth)
        assert nowhere.status_code == 400 and "no confirmed location" in nowhere.text
        place = {"maThamChieu": "8936012349023", "maTruyXuatDiaDiem": "8936012349023",
                 "tenDiaDiem": "Vườn A", "loaiDiaDiem": "VUNG_SAN_XUAT"}
        _created(client, "/api/v1/dia-diem", place, auth)
        created = client.post("/api/v1/su-kien/SU_KIEN_VUNG_TRONG", json=event, headers=auth)
        image = {"maThamChieu": "i1", "suKienId": created.json()["id"], "duongDan": "https://x/a.jpg"}
        unconfirmed = client.post("/api/v1/anh-minh-chung", json=image, headers=auth)
        assert unconfirmed.json()["error"] == "ERR_NOT_CONFIRMED"  # images follow the confirm
        client.post("/_admin/faults", json={"dedupe": False})
        again = client.post("/api/v1/su-kien/SU_KIEN_VUNG_TRONG", json=event, headers=auth)
        assert again.json()["id"] != created.json()["id"]  # the same reference, a second record
    summary = sim.state.records.summary()["event"]
    assert (summary["records"], summary["references"], summary["confirmed"]) == (2, 1, 0)


@pytest.mark.skipif(not EPCIS.exists(), reason="EPCIS test documents not available")
def test_epcis_capture_validates_against_the_schema(sim: SimServer) -> None:
    valid = json.loads((EPCIS / "Documents" / "AggregationEvent.json").read_text())
    invalid = next(iter(sorted((EPCIS / "Invalid").glob("*.json"))))
    with httpx.Client(base_url=sim.url) as client:
        answer = client.post("/capture", json=valid)
        assert answer.status_code == 202
        assert client.get(answer.headers["location"]).json()["success"] is True
        again = client.post("/capture", json=valid)
        assert again.status_code == 202
        refused = client.post(
            "/capture", content=invalid.read_bytes(), headers={"content-type": "application/json"}
        )
        assert refused.status_code == 400
        assert refused.json()["type"] == "epcisException:ValidationException"
    assert sim.state.snapshot()["epcis_events"] == len(valid["epcisBody"]["eventList"])
