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
from contract.receipt import (
    MAX_RECEIPT_BYTES,
    Receipt,
    StoredMessage,
    decode_receipt,
    encode_receipt,
    receipts_for,
)
from contract.topics import Channel, Topic, subscription_filter

__all__ = [
    "CONTRACT_VERSION",
    "MAX_ITEMS_PER_MESSAGE",
    "MAX_MESSAGE_BYTES",
    "MAX_RECEIPT_BYTES",
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
    "Receipt",
    "ScanEvent",
    "SensorReading",
    "StoredMessage",
    "Topic",
    "decode",
    "decode_receipt",
    "encode",
    "encode_receipt",
    "new_item_id",
    "receipts_for",
    "subscription_filter",
]
