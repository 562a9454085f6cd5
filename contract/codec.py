"""JSON encoding and decoding of envelopes, with errors that name the offending field.

Decoding is safe for any bytes: the size is checked first; a wholly valid message is parsed
and validated in one pass by pydantic-core (its parser stops at 200 levels of nesting, and the
schema at 5); anything else is parsed by `plumbing.bounded_json` (no Python recursion, strict
UTF-8, finite numbers, nesting refused beyond MAX_NESTING_DEPTH) before it is validated. Every
failure is a ContractError with a reason; nothing else leaves `decode`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from contract.envelope import (
    CHANNEL_ITEM_TYPES,
    CONTRACT_VERSION,
    MAX_ITEMS_PER_MESSAGE,
    MAX_MESSAGE_BYTES,
    MAX_NESTING_DEPTH,
    Envelope,
)
from contract.errors import ContractError, ContractErrorReason
from contract.items import (
    IMPOSSIBLE_VALUE_ERROR,
    DeviceStatus,
    ScanEvent,
    SensorReading,
    to_utc,
)
from contract.topics import Channel, Topic
from plumbing.bounded_json import JsonRejected, parse_json

_ITEM_ADAPTERS: dict[Channel, TypeAdapter[Any]] = {
    channel: TypeAdapter(item_type) for channel, item_type in CHANNEL_ITEM_TYPES.items()
}
_SENT_AT = TypeAdapter(datetime)
ItemT = TypeVar("ItemT", ScanEvent, SensorReading, DeviceStatus)


class _FastEnvelope(BaseModel, Generic[ItemT]):
    """The envelope as the fast path reads it; it accepts only what the full path accepts."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1]
    site: str
    device: str
    sent_at: datetime
    items: list[ItemT] = Field(min_length=1, max_length=MAX_ITEMS_PER_MESSAGE)


_FAST_ENVELOPES: dict[Channel, type[_FastEnvelope[Any]]] = {
    Channel.EVENTS: _FastEnvelope[ScanEvent],
    Channel.READINGS: _FastEnvelope[SensorReading],
    Channel.STATUS: _FastEnvelope[DeviceStatus],
}


@dataclass(frozen=True)
class ItemRejection:
    """One item of an otherwise valid message that broke the contract."""

    index: int
    raw: Any
    error: ContractError


@dataclass(frozen=True)
class Decoded:
    """A decoded message: its topic, the valid items, and the rejected ones."""

    topic: Topic
    sent_at: datetime
    items: list[ScanEvent | SensorReading | DeviceStatus]
    rejected: list[ItemRejection] = field(default_factory=list)


def encode(envelope: Envelope) -> bytes:
    """Encode an envelope as compact UTF-8 JSON."""
    return envelope.model_dump_json(exclude_none=True).encode()


def _field_path(location: tuple[int | str, ...], prefix: str = "") -> str:
    path = prefix
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _translate(err: ValidationError, prefix: str) -> ContractError:
    first = err.errors(include_url=False)[0]
    reason = (
        ContractErrorReason.IMPOSSIBLE_VALUE
        if first["type"] == IMPOSSIBLE_VALUE_ERROR
        else ContractErrorReason.SCHEMA
    )
    location = tuple(first["loc"])
    if reason is ContractErrorReason.IMPOSSIBLE_VALUE and not location:
        location = ("value",)
    where = _field_path(location, prefix)
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return ContractError(reason, f"{first['msg']}{more}", field=where or None)


def _excerpt(value: object, limit: int = 80) -> str:
    """`repr(value)` cut to `limit` characters (it goes into logs and dead letters)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _cut(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def _parse_json(payload: bytes, max_bytes: int) -> dict[str, Any]:
    if len(payload) > max_bytes:
        raise ContractError(
            ContractErrorReason.OVERSIZED, f"{len(payload)} bytes exceeds the limit of {max_bytes}"
        )
    try:
        document = parse_json(payload, max_depth=MAX_NESTING_DEPTH)
    except JsonRejected as err:
        reason = ContractErrorReason.TOO_DEEP if err.too_deep else None
        raise ContractError(reason or ContractErrorReason.MALFORMED_JSON, err.detail) from err
    if not isinstance(document, dict):
        raise ContractError(ContractErrorReason.SCHEMA, "the message must be a JSON object")
    if "v" not in document:
        raise ContractError(ContractErrorReason.SCHEMA, "field required", field="v")
    if document["v"] != CONTRACT_VERSION:
        raise ContractError(
            ContractErrorReason.UNKNOWN_VERSION,
            f"contract version {_excerpt(document['v'])} is not supported "
            f"(expected {CONTRACT_VERSION})",
            field="v",
        )
    return document


def _check_header(document: dict[str, Any], topic: Topic) -> datetime:
    unknown = set(document) - set(Envelope.model_fields)
    if unknown:
        raise ContractError(
            ContractErrorReason.SCHEMA,
            "extra inputs are not permitted",
            field=_cut(sorted(unknown)[0], 64),
        )
    for name in ("site", "device"):
        if not isinstance(document.get(name), str):
            raise ContractError(ContractErrorReason.SCHEMA, "must be a string", field=name)
    if (document["site"], document["device"]) != (topic.site, topic.device):
        raise ContractError(
            ContractErrorReason.TOPIC_MISMATCH,
            f"payload says {_cut(document['site'])}/{_cut(document['device'])}, "
            f"topic says {topic.site}/{topic.device}",
            field="site" if document["site"] != topic.site else "device",
        )
    items = document.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS_PER_MESSAGE:
        raise ContractError(
            ContractErrorReason.SCHEMA,
            f"must be a list of 1..{MAX_ITEMS_PER_MESSAGE} items",
            field="items",
        )
    try:
        return _SENT_AT.validate_python(document.get("sent_at"))
    except ValidationError as err:
        raise _translate(err, "sent_at") from err


def _decode_valid(topic: Topic, payload: bytes) -> Decoded | None:
    """Decode a wholly valid message in one pass (parse and validate in pydantic-core).

    Returns None for anything else, and `decode` then takes the full path, which names the
    error and keeps the valid items of a partly valid message.
    """
    try:
        envelope = _FAST_ENVELOPES[topic.channel].model_validate_json(payload)
    except ValidationError:
        return None
    if (envelope.site, envelope.device) != (topic.site, topic.device):
        return None
    if envelope.sent_at.tzinfo is None:
        return None
    try:
        sent_at = to_utc(envelope.sent_at)
    except ValueError:
        return None
    items: list[ScanEvent | SensorReading | DeviceStatus] = list(envelope.items)
    return Decoded(topic=topic, sent_at=sent_at, items=items)


def decode(
    topic: str, payload: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, try_whole: bool = True
) -> Decoded:
    """Decode one MQTT message.

    Raises ContractError when the whole message is unusable; items that break the contract
    on their own are returned in `rejected` so that the rest of the message is kept.
    `try_whole=False` skips the one-pass attempt (for a caller whose own whole-message decoder
    has just refused the message: the item-by-item path gives the same result).
    """
    parsed_topic = Topic.parse(topic)
    if parsed_topic.channel not in CHANNEL_ITEM_TYPES:
        raise ContractError(
            ContractErrorReason.BAD_TOPIC, f"{parsed_topic.channel} is not an uplink channel"
        )
    if try_whole and len(payload) <= max_bytes:
        fast = _decode_valid(parsed_topic, payload)
        if fast is not None:
            return fast
    document = _parse_json(payload, max_bytes)
    sent_at = _check_header(document, parsed_topic)
    if sent_at.tzinfo is None:
        raise ContractError(ContractErrorReason.SCHEMA, "must carry a UTC offset", field="sent_at")
    try:
        sent_at = to_utc(sent_at)
    except ValueError as err:
        raise ContractError(ContractErrorReason.SCHEMA, str(err), field="sent_at") from err
    adapter = _ITEM_ADAPTERS[parsed_topic.channel]
    items: list[ScanEvent | SensorReading | DeviceStatus] = []
    rejected: list[ItemRejection] = []
    for index, raw in enumerate(document["items"]):
        try:
            items.append(adapter.validate_python(raw))
        except ValidationError as err:
            rejected.append(ItemRejection(index, raw, _translate(err, f"items[{index}]")))
    return Decoded(topic=parsed_topic, sent_at=sent_at, items=items, rejected=rejected)
