"""Sort received messages into items to store and dead letters, without touching the database."""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cloud.db.ingest_store import (
    DeadLetter,
    DeviceKey,
    ReadingFields,
    Received,
    item_json,
    message_reading_copy,
)
from cloud.db.work_queue import Work
from cloud.derive.planning import work_for_message_readings
from cloud.ingest.fast_readings import decode_readings
from cloud.ingest.mqtt_source import InboundMessage
from contract import (
    Channel,
    ContractError,
    ContractErrorReason,
    DeviceStatus,
    ScanEvent,
    SensorReading,
    Topic,
    decode,
)

log = logging.getLogger(__name__)

TRIAGE_FAILED = "triage_failed"
# A dead letter keeps the message's bytes, for replay or for repair by hand, except of a
# message that cannot be a device's (larger than the contract allows, or nested deeper than
# any envelope): of those it keeps the beginning, and the whole size in its detail, so that an
# attacker's bytes do not fill the database. A redelivery still maps to the same letter (its
# key hashes the whole message).
NEVER_A_DEVICES = frozenset({ContractErrorReason.OVERSIZED, ContractErrorReason.TOO_DEEP})
KEEP_OF_NEVER_A_DEVICES = 1024


@dataclass
class MessagePlan:
    """One message's share of a batch: its items by kind and its dead letters."""

    message: InboundMessage
    device: DeviceKey | None = None
    readings: Sequence[ReadingFields] = ()  # all of the device's (a message has one channel)
    reading_copy: bytes = b""  # the readings as COPY text, made before the transaction
    reading_work: list[Work] = field(default_factory=list)  # the derived work they call for
    events: list[Received] = field(default_factory=list)
    statuses: list[Received] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def _letter(message: InboundMessage, err: ContractError, **extra: object) -> DeadLetter:
    site = device = None
    try:
        topic = Topic.parse(message.topic)
        site, device = topic.site, topic.device
    except ContractError:
        pass
    fields: dict[str, object] = {"site": site, "device": device, **extra}
    payload, detail = message.payload, err.detail
    if err.reason in NEVER_A_DEVICES and len(payload) > KEEP_OF_NEVER_A_DEVICES:
        fields["whole_sha256"] = hashlib.sha256(payload).digest()
        detail = f"{detail} (kept its first {KEEP_OF_NEVER_A_DEVICES:,} of {len(payload):,} bytes)"
        payload = payload[:KEEP_OF_NEVER_A_DEVICES]
    return DeadLetter(
        topic=message.topic,
        payload=payload,
        reason=err.reason.value,
        detail=detail,
        field=err.field,
        received_at=message.received_at,
        **fields,  # type: ignore[arg-type]
    )


def triage(message: InboundMessage, *, max_bytes: int) -> MessagePlan:
    """Decode one message; whatever breaks the contract becomes a dead letter. Never raises.

    Poison isolation: a message that makes triage fail in an unexpected way (a bug, or a
    case the contract did not foresee) becomes a dead letter of its own, reason
    `triage_failed`, carrying the exception's type and text; the batch goes on without it.
    """
    try:
        return _plan(message, max_bytes)
    except Exception as err:  # one message's supervisor: logged, dead-lettered
        log.error("triage failed; dead-lettering the message", exc_info=err)
        letter = DeadLetter(
            topic=message.topic,
            payload=message.payload,
            reason=TRIAGE_FAILED,
            detail=f"{type(err).__name__}: {err}"[:2000],
            received_at=message.received_at,
        )
        return MessagePlan(message, dead_letters=[letter])


def _plan(message: InboundMessage, max_bytes: int) -> MessagePlan:
    fast = _fast_readings(message, max_bytes)
    if isinstance(fast, MessagePlan):
        return fast
    plan = MessagePlan(message)
    try:
        # a readings message the compiled decoder refused is not valid whole for pydantic either
        # (tests/cloud/ingest/test_fast_readings.py): straight to the item-by-item path
        decoded = decode(message.topic, message.payload, max_bytes=max_bytes, try_whole=not fast)
    except ContractError as err:
        plan.dead_letters.append(_letter(message, err))
        return plan
    site, device = decoded.topic.site, decoded.topic.device
    plan.device = (site, device)
    readings: list[SensorReading] = []
    for item in decoded.items:
        if isinstance(item, SensorReading):
            readings.append(item)
        elif isinstance(item, ScanEvent):
            plan.events.append(Received(site, device, message.received_at, item))
        elif isinstance(item, DeviceStatus):
            plan.statuses.append(Received(site, device, message.received_at, item))
    if readings:
        _add_readings(plan, readings)
    for rejection in decoded.rejected:
        letter = _letter(message, rejection.error, item_index=rejection.index)
        plan.dead_letters.append(
            DeadLetter(**{**letter.__dict__, "payload": item_json(rejection.raw)})
        )
    return plan


def _fast_readings(message: InboundMessage, max_bytes: int) -> MessagePlan | bool:
    """The plan of a valid readings message by the compiled decoder; else whether it refused it."""
    if len(message.payload) > max_bytes or not message.topic.endswith("/readings"):
        return False
    try:
        topic = Topic.parse(message.topic)
    except ContractError:
        return False
    if topic.channel is not Channel.READINGS:
        return False
    readings = decode_readings(topic, message.payload)
    if readings is None:
        return True
    plan = MessagePlan(message, device=(topic.site, topic.device))
    _add_readings(plan, readings)
    return plan


def _add_readings(plan: MessagePlan, readings: Sequence[ReadingFields]) -> None:
    """Give `plan` its readings, with their COPY text and derived work made now."""
    assert plan.device is not None
    site, device = plan.device
    plan.readings = readings
    plan.reading_copy = message_reading_copy(site, device, plan.message.received_at, readings)
    plan.reading_work = work_for_message_readings(site, readings)


def devices_seen(plans: Sequence[MessagePlan]) -> dict[DeviceKey, datetime]:
    """Each device in the batch with the newest time a message of it was received."""
    seen: dict[DeviceKey, datetime] = {}
    for plan in plans:
        if plan.device is not None:
            at = plan.message.received_at
            seen[plan.device] = max(seen.get(plan.device, at), at)
    return seen
