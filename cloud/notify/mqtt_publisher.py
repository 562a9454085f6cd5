"""Publish alert notifications on the broker with QoS 1 and wait for the PUBACK."""

import logging
import ssl
import threading
from typing import Any, Literal

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from cloud.notify.errors import DeliveryError
from plumbing.mqtt_url import MqttEndpoint

log = logging.getLogger(__name__)

Protocol = Literal["5", "3.1.1"]
_UNSUPPORTED_PROTOCOL = (1, 132)  # CONNACK codes of MQTT 3.1.1 and MQTT 5
_SILENT_REFUSALS_BEFORE_FALLBACK = 2


class AlertPublisher:
    """A paho client of its own (reconnecting in the background) for the alert topics.

    It speaks `protocol`; a broker that refuses MQTT 5 (CONNACK "unsupported protocol version",
    or closing the connection before any CONNACK, twice) gets MQTT 3.1.1 instead, as the edge
    does: a notifier only publishes, and needs nothing of MQTT 5.
    """

    def __init__(
        self,
        endpoint: MqttEndpoint,
        *,
        client_id: str,
        protocol: Protocol = "5",
        timeout_s: float = 10.0,
    ):
        self._endpoint = endpoint
        self._client_id = client_id
        self._timeout_s = timeout_s
        self._v5 = protocol == "5"
        self._connack_seen = False
        self._silent_refusals = 0
        self._falling_back = False
        self._stopped = False
        self._lock = threading.Lock()
        self._client = self._make_client()

    @property
    def protocol(self) -> Protocol:
        """The MQTT version in use."""
        return "5" if self._v5 else "3.1.1"

    def start(self) -> None:
        """Connect in the background."""
        with self._lock:
            self._client.connect_async(self._endpoint.host, self._endpoint.port)
            self._client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        with self._lock:
            self._stopped = True
            self._client.disconnect()
            self._client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish with QoS 1; raise DeliveryError unless the broker acknowledged it in time."""
        client = self._client
        if not client.is_connected():
            raise DeliveryError("mqtt", "not connected to the broker")
        info = client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise DeliveryError("mqtt", mqtt.error_string(info.rc))
        try:
            info.wait_for_publish(timeout=self._timeout_s)
        except (RuntimeError, ValueError) as err:
            raise DeliveryError("mqtt", str(err)) from err
        if not info.is_published():
            raise DeliveryError("mqtt", "no PUBACK in time")

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            protocol=mqtt.MQTTv5 if self._v5 else mqtt.MQTTv311,
        )
        if self._endpoint.username:
            client.username_pw_set(self._endpoint.username, self._endpoint.password)
        if self._endpoint.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    def _on_pre_connect(self, client: mqtt.Client, userdata: Any) -> None:
        self._connack_seen = False

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._connack_seen = True
        if not reason.is_failure:
            log.info("alert publisher connected (MQTT %s)", self.protocol)
        elif self._v5 and reason.value in _UNSUPPORTED_PROTOCOL:
            self._begin_fallback()
        else:
            log.error("the broker refused the alert publisher: %s", reason)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if self._connack_seen or not self._v5:
            return
        self._silent_refusals += 1
        if self._silent_refusals >= _SILENT_REFUSALS_BEFORE_FALLBACK:
            self._begin_fallback()

    def _begin_fallback(self) -> None:
        """From paho's network thread: reconnect with 3.1.1 from another thread (once)."""
        if self._falling_back:
            return
        self._falling_back = True
        threading.Thread(target=self._fall_back, name="alert-publisher-fallback").start()

    def _fall_back(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._client.loop_stop()
            self._v5 = False
            self._client = self._make_client()
            log.warning("the broker refused MQTT 5; the alert publisher uses MQTT 3.1.1")
            self._client.connect_async(self._endpoint.host, self._endpoint.port)
            self._client.loop_start()
