"""Publish alert notifications on the broker with QoS 1 and wait for the PUBACK."""

import logging
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from cloud.notify.errors import DeliveryError
from plumbing.mqtt_url import MqttEndpoint

log = logging.getLogger(__name__)


class AlertPublisher:
    """A paho client of its own (reconnecting in the background) for the alert topics."""

    def __init__(self, endpoint: MqttEndpoint, *, client_id: str, timeout_s: float = 10.0):
        self._endpoint = endpoint
        self._timeout_s = timeout_s
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
        )
        if endpoint.username:
            self._client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)

    def start(self) -> None:
        """Connect in the background."""
        self._client.connect_async(self._endpoint.host, self._endpoint.port)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish with QoS 1; raise DeliveryError unless the broker acknowledged it in time."""
        if not self._client.is_connected():
            raise DeliveryError("mqtt", "not connected to the broker")
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise DeliveryError("mqtt", mqtt.error_string(info.rc))
        try:
            info.wait_for_publish(timeout=self._timeout_s)
        except (RuntimeError, ValueError) as err:
            raise DeliveryError("mqtt", str(err)) from err
        if not info.is_published():
            raise DeliveryError("mqtt", "no PUBACK in time")
