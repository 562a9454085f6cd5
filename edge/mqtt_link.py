"""The one place paho-mqtt is used: connect, reconnect with jittered backoff, publish QoS 1."""

import contextlib
import logging
import random
import socket
import ssl
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.config import MqttConfig

logger = logging.getLogger(__name__)

_UNSUPPORTED_PROTOCOL = (1, 132)  # CONNACK codes of MQTT 3.1.1 and MQTT 5
_SILENT_REFUSALS_BEFORE_FALLBACK = 2
# A broker that cannot parse an MQTT 5 CONNECT may neither answer nor close (amqtt, with a
# last will): give up on an attempt after this long instead of waiting a keepalive for it.
_CONNACK_TIMEOUT_S = 10.0


class LinkEvent(StrEnum):
    """What the link reports to its owner (from paho's network thread)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FALLBACK = "fallback"  # the broker refused MQTT 5: call `fall_back()`


class PublishRefused(Exception):
    """paho could not queue a message (e.g. the payload is over the broker's limit)."""


class MqttLink:
    """A paho client on its own network thread; callbacks arrive on that thread.

    `on_event(event)` reports connection changes; `on_ack(mid, ok)` reports each PUBACK;
    `on_message(topic, payload)` each message received on `subscriptions` (QoS 1, subscribed
    again on every connection).
    """

    def __init__(
        self,
        config: MqttConfig,
        *,
        client_id: str,
        on_event: Callable[[LinkEvent], None],
        on_ack: Callable[[int, bool], None],
        subscriptions: tuple[str, ...] = (),
        on_message: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self._config = config
        self._client_id = client_id
        self._on_event = on_event
        self._on_ack = on_ack
        self._subscriptions = subscriptions
        self._on_message = on_message
        self.foreign_messages = 0  # delivered on a topic never subscribed to (a broker's fault)
        self._v5 = config.protocol != "3.1.1"
        self._delay = config.reconnect_min_s
        self._connack_seen = False
        self._attempt = 0
        self._silent_refusals = 0
        self._will: tuple[str, bytes] | None = None
        self._lock = threading.Lock()
        self._client = self._make_client()

    @property
    def protocol(self) -> str:
        """The MQTT version in use: "5" or "3.1.1"."""
        return "5" if self._v5 else "3.1.1"

    def set_will(self, topic: str, payload: bytes) -> None:
        """The retained message the broker publishes if the device vanishes (next connect)."""
        self._will = (topic, payload)
        with self._lock:
            self._client.will_set(topic, payload, qos=1, retain=True)

    def start(self) -> None:
        """Begin connecting in the background; it retries until `stop()`."""
        properties = None
        if self._v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self._config.session_expiry_s
        with self._lock:
            self._client.connect_async(
                self._config.host,
                self._config.port,
                keepalive=self._config.keepalive_s,
                clean_start=False if self._v5 else paho.MQTT_CLEAN_START_FIRST_ONLY,
                properties=properties,
            )
            self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly (no last will) and end the network thread."""
        with self._lock:
            self._client.disconnect()
            self._client.loop_stop()

    def fall_back(self) -> None:
        """Reconnect with MQTT 3.1.1 after the broker refused MQTT 5 (blocks briefly)."""
        with self._lock:
            self._client.loop_stop()
            self._v5 = False
            self._client = self._make_client()
        if self._will is not None:
            self.set_will(*self._will)
        logger.warning("the broker refused MQTT 5; falling back to MQTT 3.1.1")
        self.start()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> int:
        """Queue a QoS 1 message; returns its message id (PUBACK arrives via `on_ack`)."""
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise PublishRefused(paho.error_string(info.rc))
        return int(info.mid)

    def _make_client(self) -> paho.Client:
        config = self._config
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if self._v5 else MQTTProtocolVersion.MQTTv311,
            clean_session=None if self._v5 else False,
        )
        client.max_inflight_messages_set(config.max_inflight + 4)
        client.max_queued_messages_set(0)
        if config.username is not None:
            password = config.password.resolve("mqtt.password") if config.password else None
            client.username_pw_set(config.username, password)
        if config.uses_tls:
            tls = config.tls
            client.tls_set(
                ca_certs=str(tls.ca_file) if tls and tls.ca_file else None,
                certfile=str(tls.cert_file) if tls and tls.cert_file else None,
                keyfile=str(tls.key_file) if tls and tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.on_pre_connect = self._handle_pre_connect
        client.on_connect = self._handle_connect
        client.on_connect_fail = self._handle_connect_fail
        client.on_disconnect = self._handle_disconnect
        client.on_publish = self._handle_publish
        client.on_message = self._handle_message
        self._delay = config.reconnect_min_s
        client.reconnect_delay_set(config.reconnect_min_s, config.reconnect_min_s)  # type: ignore[arg-type]
        return client

    def _next_delay(self, *, reset: bool = False) -> None:
        """Capped exponential backoff with jitter, applied to paho's next reconnect wait."""
        config = self._config
        self._delay = config.reconnect_min_s if reset else min(
            self._delay * 2, config.reconnect_max_s
        )
        wait = random.uniform(self._delay / 2, self._delay)
        self._client.reconnect_delay_set(wait, wait)  # type: ignore[arg-type]

    def _handle_pre_connect(self, client: paho.Client, userdata: Any) -> None:
        self._connack_seen = False
        self._attempt += 1
        wait = min(float(self._config.keepalive_s), _CONNACK_TIMEOUT_S)
        timer = threading.Timer(wait, self._connack_overdue, args=(client, self._attempt, wait))
        timer.daemon = True
        timer.start()

    def _connack_overdue(self, client: paho.Client, attempt: int, wait: float) -> None:
        """Cut an attempt the broker never answered: paho then reconnects (or we fall back)."""
        if self._connack_seen or attempt != self._attempt or client is not self._client:
            return
        sock = client.socket()
        if isinstance(sock, socket.socket):
            logger.warning("no answer to CONNECT from %s within %.0f s", self._config.url, wait)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _handle_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._connack_seen = True
        if not reason.is_failure:
            logger.info("connected to %s (MQTT %s)", self._config.url, self.protocol)
            self._next_delay(reset=True)
            if self._subscriptions:
                client.subscribe([(topic, 1) for topic in self._subscriptions])
            self._on_event(LinkEvent.CONNECTED)
        elif self._v5 and self._config.protocol == "auto" and reason.value in _UNSUPPORTED_PROTOCOL:
            self._on_event(LinkEvent.FALLBACK)
        else:
            logger.error("the broker refused the connection: %s", reason)

    def _handle_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        logger.debug("cannot reach %s", self._config.url)
        self._next_delay()

    def _handle_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if self._connack_seen:
            log = logger.warning if reason.is_failure else logger.info
            log("disconnected from the broker: %s", reason)
            self._on_event(LinkEvent.DISCONNECTED)
        elif self._v5 and self._config.protocol == "auto":
            self._silent_refusals += 1
            if self._silent_refusals >= _SILENT_REFUSALS_BEFORE_FALLBACK:
                self._on_event(LinkEvent.FALLBACK)
        self._next_delay()

    def _handle_publish(
        self, client: paho.Client, userdata: Any, mid: int, reason: Any, properties: Any
    ) -> None:
        self._on_ack(mid, not reason.is_failure)

    def _handle_message(self, client: paho.Client, userdata: Any, message: Any) -> None:
        if message.topic not in self._subscriptions:
            # amqtt hands a connecting client the retained messages of every session's
            # subscriptions, not only of its own: not ours, not hostile, just not for us.
            self.foreign_messages += 1
            logger.debug("ignoring a message on %r (never subscribed to)", message.topic)
            return
        if self._on_message is not None:
            self._on_message(message.topic, bytes(message.payload))
