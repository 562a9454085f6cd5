"""The ingester's MQTT side: a persistent-session subscriber feeding a queue, acking on request."""

import logging
import queue
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from cloud.settings.ingest import IngestSettings
from contract import Channel, subscription_filter
from contract.topics import UPLINK_CHANNELS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundMessage:
    """One received MQTT message, with what is needed to acknowledge it later."""

    topic: str
    payload: bytes
    qos: int
    mid: int
    connection: int
    received_at: datetime


class MqttSource:
    """Subscribes to every uplink channel and feeds a bounded queue (blocking when it is full)."""

    def __init__(self, settings: IngestSettings, inbox: "queue.Queue[InboundMessage]"):
        self._settings = settings
        self._inbox = inbox
        self._connection = 0  # increases on every successful (re)connect
        self._stopping = False
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        v5 = settings.mqtt_protocol == "5"
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.ingest_client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            clean_session=None if v5 else False,
            manual_ack=True,
        )
        self._v5 = v5
        endpoint = settings.mqtt
        if endpoint.username:
            self._client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(min_delay=1, max_delay=int(settings.ingest_retry_max_s))
        self._client.max_inflight_messages_set(settings.ingest_receive_maximum)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    def start(self) -> None:
        """Connect in the background; paho's network thread reconnects by itself."""
        endpoint = self._settings.mqtt
        properties = None
        if self._v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self._settings.ingest_session_expiry_s
            properties.ReceiveMaximum = self._settings.ingest_receive_maximum
        self._client.connect_async(
            endpoint.host,
            endpoint.port,
            keepalive=self._settings.ingest_keepalive_s,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly; unacknowledged messages stay with the broker's session."""
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()

    def ack(self, message: InboundMessage) -> bool:
        """Acknowledge `message` if it came on the current connection (else it is resent)."""
        if message.qos == 0:
            return True
        with self._lock:
            if message.connection != self._connection or not self.connected.is_set():
                return False
            return self._client.ack(message.mid, message.qos) == mqtt.MQTT_ERR_SUCCESS

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            return
        with self._lock:
            self._connection += 1
        group = self._settings.ingest_share_group
        channels: tuple[Channel, ...] = UPLINK_CHANNELS
        client.subscribe([(subscription_filter(c, share_group=group), 1) for c in channels])
        self.connected.set()
        log.info(
            "connected to the broker",
            extra={"session_present": flags.session_present, "share_group": group},
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if self._stopping:
            log.info("disconnected from the broker on request")
        else:
            log.warning("disconnected from the broker: %s", reason_code)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            log.error("the broker refused a subscription: %s", failed)
            return
        self.subscribed.set()
        log.info("subscribed", extra={"share_group": self._settings.ingest_share_group})

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        inbound = InboundMessage(
            topic=msg.topic,
            payload=bytes(msg.payload),
            qos=msg.qos,
            mid=msg.mid,
            connection=self._connection,
            received_at=datetime.now(UTC),
        )
        self._inbox.put(inbound)  # blocks when full: backpressure onto the socket
