"""Errors raised when a message breaks the contract, with a machine-readable reason."""

from enum import StrEnum


class ContractErrorReason(StrEnum):
    """Why a message or item was refused; stored as the dead letter's reason."""

    OVERSIZED = "oversized"
    MALFORMED_JSON = "malformed_json"
    TOO_DEEP = "too_deep"
    UNKNOWN_VERSION = "unknown_version"
    SCHEMA = "schema"
    BAD_TOPIC = "bad_topic"
    TOPIC_MISMATCH = "topic_mismatch"
    IMPOSSIBLE_VALUE = "impossible_value"
    UNKNOWN_DEVICE = "unknown_device"


class ContractError(ValueError):
    """A message or item that breaks the contract; `field` names where, when known."""

    def __init__(self, reason: ContractErrorReason, detail: str, *, field: str | None = None):
        self.reason = reason
        self.detail = detail
        self.field = field
        where = f" at {field}" if field else ""
        super().__init__(f"{reason.value}{where}: {detail}")
