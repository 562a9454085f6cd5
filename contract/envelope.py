"""The message envelope: who sent it, for which channel, and the list of items."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract.items import DeviceStatus, Item, Name, ScanEvent, SensorReading
from contract.topics import Channel

CONTRACT_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024
MAX_ITEMS_PER_MESSAGE = 2000

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
        return value.astimezone(UTC)
