"""The message envelope: who sent it, for which channel, and the list of items."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract.items import DeviceStatus, Item, Name, ScanEvent, SensorReading, to_utc
from contract.topics import Channel

CONTRACT_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024
MAX_ITEMS_PER_MESSAGE = 2000
# Arrays and objects inside one another, the message itself being level 1. A valid envelope
# needs 5 (message, items, item, gs1, gs1.other); anything deeper is refused unread.
MAX_NESTING_DEPTH = 16

CHANNEL_ITEM_TYPES: dict[Channel, type] = {
    Channel.EVENTS: ScanEvent,
    Channel.READINGS: SensorReading,
    Channel.STATUS: DeviceStatus,
}


class Envelope(BaseModel):
    """One MQTT message: a batch of items from one device, for one channel."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    site: Name
    device: Name
    sent_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS_PER_MESSAGE)

    @field_validator("sent_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return to_utc(value)
