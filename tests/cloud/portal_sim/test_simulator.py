"""The portal simulator: tokens, dedupe by client reference, faults, EPCIS capture."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer

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
    assert summary == {"records": 1, "confirmed": 1, "created": 1, "deduped": 1}


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
        time.sleep(1.1)
        started = time.monotonic()
        assert client.post("/sso/oauth/token", data={}).status_code == 401  # back, wrong secret
        assert time.monotonic() - started >= 0.05


def test_lost_answers_and_errors_are_injected(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        client.post("/_admin/faults", json={"error_rate": 0.5})
        statuses = [client.post("/sso/oauth/token", data={}).status_code for _ in range(40)]
        assert 5 < statuses.count(503) < 35
        assert client.post("/_admin/faults", json={"error_rate": 2}).status_code == 400


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
