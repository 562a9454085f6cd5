"""Publish test messages over a real MQTT connection and wait for the broker's PUBACKs."""

from collections.abc import Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from plumbing.mqtt_url import MqttEndpoint


def publish_all(url: str, messages: Iterable[tuple[str, bytes]], *, qos: int = 1) -> int:
    """Publish every (topic, payload) with `qos`; return how many the broker acknowledged."""
    endpoint = MqttEndpoint.parse(url)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_queued_messages_set(0)
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
        return sum(1 for info in infos if info.is_published())
    finally:
        client.disconnect()
        client.loop_stop()
