"""Rotate, approve and reject through the API against a real Mosquitto with dynamic security."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import DEVICE_A, DEVICE_B, SITE_A, SITE_B
from tests.deploy.broker_setup import Broker, dynsec_plugin
from tests.support.broker import free_port
from tests.support.sql import scalar
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "mosquitto"], capture_output=True).returncode != 0
    or dynsec_plugin() is None,
    reason="mosquitto or its dynamic-security plugin is not installed",
)
USERNAME_A = f"{SITE_A}/{DEVICE_A}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    broker = Broker(tmp_path / "broker", with_tls=False)
    broker.bootstrap()
    broker.start()
    yield broker
    broker.stop()


def _client(database_url: str, admin_url: str) -> TestClient:
    settings = load_api_settings(
        database_url=database_url, broker_admin_url=admin_url, broker_admin_timeout_s=3
    )
    return TestClient(create_app(settings))


def _refused(broker: Broker, username: str, secret: str) -> bool:
    try:
        with broker.connect(username, secret):
            return False
    except ConnectionRefusedError:
        return True


def test_a_rotated_secret_works_at_once_and_the_old_one_stops_at_once(
    broker: Broker, database_url: str, world
) -> None:
    headers = auth(world, "op-a")
    rotate = f"/api/devices/{SITE_A}/{DEVICE_A}/rotate-credentials"
    with _client(database_url, broker.admin_url) as client:
        first = client.post(rotate, headers=headers).json()
        assert first["broker_updated"] is True and first["mqtt_username"] == USERNAME_A
        with broker.connect(USERNAME_A, first["secret"]) as (device, seen):
            assert broker.subscribe(device, seen, f"txng/v1/{USERNAME_A}/receipts") == [1]
            second = client.post(rotate, headers=headers).json()
            # no reload, no restart: the broker drops the session of the old secret
            wait_for(lambda: not device.is_connected(), timeout=10)
        assert second["secret"] != first["secret"]
        assert _refused(broker, USERNAME_A, first["secret"])
        assert not _refused(broker, USERNAME_A, second["secret"])

        rejected = client.post(f"/api/devices/{SITE_A}/{DEVICE_A}/reject", headers=headers)
        assert rejected.status_code == 200 and rejected.json()["approval"] == "rejected"
        assert _refused(broker, USERNAME_A, second["secret"])
        # a new secret for a rejected device does not open its account
        third = client.post(rotate, headers=headers).json()
        assert _refused(broker, USERNAME_A, third["secret"])
        approved = client.post(f"/api/devices/{SITE_A}/{DEVICE_A}/approve", headers=headers)
        assert approved.status_code == 200
        assert not _refused(broker, USERNAME_A, third["secret"])

        # another site's device: 404, and the broker is not touched
        other = client.post(
            f"/api/devices/{SITE_B}/{DEVICE_B}/rotate-credentials", headers=headers
        )
        assert other.status_code == 404
    assert "u'dl-coffee/" not in broker.log() and "dl-coffee" not in broker.dynsec_file.read_text()


def test_a_broker_that_cannot_be_reached_changes_nothing(database_url: str, world) -> None:
    headers = auth(world, "op-a")
    away = f"mqtt://txng-admin:x@127.0.0.1:{free_port()}"
    with _client(database_url, away) as client:
        rotate = f"/api/devices/{SITE_A}/{DEVICE_A}/rotate-credentials"
        answer = client.post(rotate, headers=headers)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"
        assert scalar(world.url, "SELECT count(*) FROM device_credentials") == 0
        one = f"/api/devices/{SITE_A}/{DEVICE_A}"
        before = client.get(one, headers=headers).json()["approval"]
        assert before != "rejected"
        rejected = client.post(f"{one}/reject", headers=headers)
        assert rejected.status_code == 503
        assert client.get(one, headers=headers).json()["approval"] == before
