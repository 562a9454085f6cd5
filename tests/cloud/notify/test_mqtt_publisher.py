"""The alert publisher speaks the broker's protocol: MQTT 3.1.1 when the broker refuses 5."""

import threading
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from cloud.notify.errors import DeliveryError
from cloud.notify.mqtt_publisher import AlertPublisher, Protocol
from plumbing.mqtt_url import MqttEndpoint
from tests.support.waiting import wait_for
from txng.embedded import EmbeddedBroker

pytest.importorskip("amqtt", reason="the demo extra (amqtt, an MQTT 3.1.1-only broker) is absent")


@pytest.fixture(scope="module")
def broker_v311() -> Iterator[MqttEndpoint]:
    broker = EmbeddedBroker()
    broker.start()
    yield MqttEndpoint.parse(broker.url)
    broker.stop()


def _subscribe(endpoint: MqttEndpoint, received: list[bytes]) -> mqtt.Client:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    subscribed = threading.Event()
    client.on_message = lambda c, u, m: received.append(m.payload)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe("txng/v1/alerts/#", qos=1)
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    assert subscribed.wait(10)
    return client


def _delivered(publisher: AlertPublisher, payload: bytes) -> bool:
    try:
        publisher.publish("txng/v1/alerts/site-a/excursion", payload)
    except DeliveryError:
        return False
    return True


@pytest.mark.parametrize("configured", ["5", "3.1.1"])
def test_publishes_to_a_3_1_1_broker(broker_v311: MqttEndpoint, configured: Protocol) -> None:
    received: list[bytes] = []
    subscriber = _subscribe(broker_v311, received)
    publisher = AlertPublisher(broker_v311, client_id=f"alerts-{configured}", protocol=configured)
    publisher.start()
    try:
        wait_for(lambda: _delivered(publisher, configured.encode()), timeout=15)
        assert publisher.protocol == "3.1.1"
        wait_for(lambda: configured.encode() in received, timeout=5)
    finally:
        publisher.stop()
        subscriber.disconnect()
        subscriber.loop_stop()


def test_stays_on_mqtt_5_where_the_broker_speaks_it(mqtt_url: str) -> None:
    publisher = AlertPublisher(MqttEndpoint.parse(mqtt_url), client_id="alerts-v5", protocol="5")
    publisher.start()
    try:
        wait_for(lambda: _delivered(publisher, b"{}"), timeout=15)
        assert publisher.protocol == "5"
    finally:
        publisher.stop()
