"""Receipts after each commit: tell every device which of its messages the database now holds.

A receipt covers whatever the committed transaction recorded for a message: items stored,
items already there (duplicates), and items or whole messages dead-lettered (kept with their
raw bytes), so that the device forgets them all. Receipts go out on a client of their own with
QoS 1; when it cannot take one (not connected, its queue full) the receipt is dropped and
counted, never waited for: the device sends those items again, and their ids make that harmless.
"""

import logging
import ssl
from collections.abc import Sequence
from operator import attrgetter
from typing import Any
from uuid import UUID

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloud.ingest.metrics import IngestMetrics
from cloud.ingest.triage import MessagePlan
from contract import (
    MAX_ITEMS_PER_MESSAGE,
    MAX_MESSAGE_BYTES,
    ContractError,
    ContractErrorReason,
    StoredMessage,
    Topic,
    encode_receipt,
    receipts_for,
)
from contract.receipt import Seq
from contract.topics import RECEIPTED_CHANNELS
from plumbing.mqtt_url import MqttEndpoint

log = logging.getLogger(__name__)

_QUEUE_LIMIT = 10_000  # receipts paho may hold while the broker is slow
_SEQ = attrgetter("seq")


class _LooseItem(BaseModel):
    """Just what a receipt needs of an item that broke the contract elsewhere."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    seq: Seq


class _LooseMessage(BaseModel):
    """Just the items of a message that broke the contract as a whole."""

    model_config = ConfigDict(extra="ignore")

    items: list[_LooseItem] = Field(max_length=MAX_ITEMS_PER_MESSAGE)


# Whole-message dead letters whose bytes are not a JSON document the contract reads: no item
# in them can be named (and reading them again would only cost time, e.g. under attack).
_UNREADABLE = frozenset(
    reason.value
    for reason in (
        ContractErrorReason.OVERSIZED,
        ContractErrorReason.MALFORMED_JSON,
        ContractErrorReason.TOO_DEEP,
    )
)


def _rejected_pairs(plan: MessagePlan) -> list[tuple[int, UUID]]:
    """(seq, id) of the dead-lettered items or message of `plan`, as far as they can be read."""
    try:
        if plan.device is None:  # the whole message broke the contract
            if len(plan.message.payload) > MAX_MESSAGE_BYTES:
                return []
            if any(letter.reason in _UNREADABLE for letter in plan.dead_letters):
                return []
            whole = _LooseMessage.model_validate_json(plan.message.payload)
            return [(item.seq, item.id) for item in whole.items]
    except ValidationError:
        return []  # nothing to name: the device sends it again, and it is dead-lettered again
    pairs: list[tuple[int, UUID]] = []
    for letter in plan.dead_letters:
        if letter.item_index is None:
            continue
        try:
            item = _LooseItem.model_validate_json(letter.payload)
        except ValidationError:
            continue
        pairs.append((item.seq, item.id))
    return pairs


def stored_message(plan: MessagePlan) -> tuple[str, str, StoredMessage] | None:
    """The device and receipt entry of one committed message; None when it earns no receipt."""
    try:
        topic = Topic.parse(plan.message.topic)
    except ContractError:
        return None
    if topic.channel not in RECEIPTED_CHANNELS:
        return None
    try:
        stored = _one_run(plan)
        if stored is None:
            pairs = [(r.seq, r.id) for r in plan.readings]
            pairs += [(r.item.seq, r.item.id) for r in plan.events]
            pairs += _rejected_pairs(plan)
            stored = StoredMessage.of(pairs)
    except ValidationError:  # e.g. a seq beyond bigint: nothing was stored under it either
        return None
    return (topic.site, topic.device, stored) if stored is not None else None


def _one_run(plan: MessagePlan) -> StoredMessage | None:
    """`StoredMessage.of` a message of readings alone with consecutive increasing seqs; else None.

    (The edge numbers a message's items so: one run, from its first item to its last.)
    """
    readings = plan.readings
    if not readings or plan.events or plan.dead_letters:
        return None
    seqs = list(map(_SEQ, readings))
    low = seqs[0]
    if seqs != list(range(low, low + len(seqs))):
        return None
    return StoredMessage(runs=[(low, seqs[-1])], first=readings[0].id, last=readings[-1].id)


class ReceiptPublisher:
    """Publishes the receipts of committed batches on a paho client of its own."""

    def __init__(
        self, endpoint: MqttEndpoint, *, client_id: str, protocol: str, metrics: IngestMetrics
    ):
        self._endpoint = endpoint
        self._metrics = metrics
        v5 = protocol == "5"
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        )
        if endpoint.username:
            self._client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.max_queued_messages_set(_QUEUE_LIMIT)
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._client.on_connect = self._on_connect

    def start(self) -> None:
        """Connect in the background (paho reconnects by itself)."""
        self._client.connect_async(self._endpoint.host, self._endpoint.port)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect (receipts not yet sent are dropped: the devices send those items again)."""
        self._client.disconnect()
        self._client.loop_stop()

    def after_commit(self, plans: Sequence[MessagePlan]) -> None:
        """Publish the receipts of one committed batch; never blocks, never raises."""
        by_device: dict[tuple[str, str], list[StoredMessage]] = {}
        for plan in plans:
            entry = stored_message(plan)
            if entry is not None:
                site, device, stored = entry
                by_device.setdefault((site, device), []).append(stored)
        for (site, device), messages in by_device.items():
            for receipt in receipts_for(site, device, messages):
                self._publish(receipt.topic, encode_receipt(receipt), len(receipt.messages))

    def _publish(self, topic: str, payload: bytes, messages: int) -> None:
        if not self._client.is_connected():
            self._metrics.receipts_dropped.inc(messages)
            return
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._metrics.receipts_dropped.inc(messages)
            return
        self._metrics.receipts_published.inc(messages)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("the broker refused the receipt publisher: %s", reason)
