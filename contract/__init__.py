"""The edge↔cloud contract: topics, message models and JSON encoding (imports neither side)."""

from contract.codec import Decoded, ItemRejection, decode, encode
from contract.envelope import CONTRACT_VERSION, MAX_ITEMS_PER_MESSAGE, MAX_MESSAGE_BYTES, Envelope
from contract.errors import ContractError, ContractErrorReason
from contract.items import (
    BizStep,
    ClockQuality,
    DataCarrier,
    DeviceState,
    DeviceStatus,
    Gs1Identifiers,
    Item,
    Quantity,
    ReaderHealth,
    ReadingQuality,
    ScanEvent,
    SensorReading,
    new_item_id,
)
from contract.topics import Channel, Topic, subscription_filter

__all__ = [
    "CONTRACT_VERSION",
    "MAX_ITEMS_PER_MESSAGE",
    "MAX_MESSAGE_BYTES",
    "BizStep",
    "Channel",
    "ClockQuality",
    "ContractError",
    "ContractErrorReason",
    "DataCarrier",
    "Decoded",
    "DeviceState",
    "DeviceStatus",
    "Envelope",
    "Gs1Identifiers",
    "Item",
    "ItemRejection",
    "Quantity",
    "ReaderHealth",
    "ReadingQuality",
    "ScanEvent",
    "SensorReading",
    "Topic",
    "decode",
    "encode",
    "new_item_id",
    "subscription_filter",
]
