"""The agent's real ways in: TLS and its own account on the production broker; MQTT 3.1.1."""

from pathlib import Path

import pytest

from cloud.broker.acl import SERVICE_ROLES
from cloud.broker.bootstrap import ServiceAccount
from cloud.devices.command import devices_add_command
from edge.config import DeviceConfig
from edge.publisher import Publisher
from tests.deploy.broker_setup import Broker, have_openssl
from tests.edge.helpers import device_config, probe, running_agent, scanner
from tests.support.seed import add_device
from tests.support.sql import query
from tests.support.waiting import wait_for

SITE = "farm-a"


def _stored_once(url: str, device: str) -> tuple[int, int]:
    rows = query(
        url,
        "SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM readings WHERE device_id = %(d)s"
        " UNION ALL SELECT id FROM events WHERE device_id = %(d)s) x",
        {"d": device},
    )
    return rows[0]


def _receipted_run(
    config: DeviceConfig, database_url: str, *, items: int = 100, timeout: float = 60
) -> Publisher:
    """Run the agent until `items` are receipted; check they are stored once each."""
    with running_agent(config) as agent:
        wait_for(lambda: agent.publisher.confirmed_items >= items, timeout=timeout)
    publisher = agent.publisher
    assert publisher.stale_receipts == 0
    count, distinct = _stored_once(database_url, config.device)
    assert count == distinct >= publisher.confirmed_items >= items
    return publisher


@pytest.mark.skipif(not have_openssl(), reason="openssl is not installed")
def test_over_tls_with_its_own_account_the_production_acl_passes_items_and_receipts(
    tmp_path: Path, start_ingester, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = Broker(tmp_path / "broker", with_tls=True)
    password = "ingest-secret-of-this-test"
    broker.bootstrap([ServiceAccount(SERVICE_ROLES["ingest"], "txng-ingest", password)])
    broker.start()
    try:
        monkeypatch.setenv("TXNG_BROKER_ADMIN_URL", broker.admin_url)
        secret = tmp_path / "device.password"
        assert devices_add_command(
            SITE, "pi-7", password_out=str(secret), database_url=database_url
        ) == 0
        start_ingester(mqtt_url=f"mqtt://txng-ingest:{password}@127.0.0.1:{broker.port}")
        document = device_config(
            mqtt_url=f"mqtts://localhost:{broker.tls_port}",
            outbox=tmp_path / "outbox.sqlite",
            readers=[scanner(rate=100), probe("probe-a", interval=0.01)],
            device="pi-7",
        )
        document["site"] = SITE
        document["mqtt"] |= {
            "username": f"{SITE}/pi-7",
            "password": {"file": str(secret)},
            "tls": {"ca_file": str(broker.workdir / "certs" / "ca.crt")},
        }
        publisher = _receipted_run(DeviceConfig.model_validate(document), database_url)
        assert (publisher.protocol, publisher.rejected_receipts) == ("5", 0)
    finally:
        broker.stop()
    assert "Denied" not in broker.log()


def test_against_a_broker_that_refuses_mqtt_5_it_falls_back_to_3_1_1(
    tmp_path: Path, start_ingester, database_url: str
) -> None:
    pytest.importorskip("amqtt", reason="the demo extra (amqtt) is not installed")
    from txng.embedded.broker import EmbeddedBroker

    broker = EmbeddedBroker()  # amqtt: MQTT 3.1.1 only
    url = broker.start()
    try:
        start_ingester(mqtt_url=url, mqtt_protocol="3.1.1", ingest_share_group=None)
        document = device_config(
            mqtt_url=url,
            outbox=tmp_path / "outbox.sqlite",
            readers=[scanner(rate=100), probe("probe-a", interval=0.01)],
        )
        # amqtt neither answers nor closes an MQTT 5 CONNECT with a will: each attempt ends
        # after min(keepalive, 10 s) without a CONNACK, and the second such silence falls back.
        document["mqtt"]["keepalive_s"] = 5
        config = DeviceConfig.model_validate(document)
        add_device(database_url, config.site, config.device)  # registered: its data is not held
        assert config.mqtt.protocol == "auto"
        publisher = _receipted_run(config, database_url, timeout=90)
        assert (publisher.protocol, publisher.rejected_receipts) == ("3.1.1", 0)
    finally:
        broker.stop()
