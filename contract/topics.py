"""MQTT topic names of contract version 1: txng/v1/{site}/{device}/{channel}."""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from contract.errors import ContractError, ContractErrorReason

TOPIC_PREFIX = "txng/v1"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


class Channel(StrEnum):
    """The last topic level: what kind of items a message carries."""

    EVENTS = "events"
    READINGS = "readings"
    STATUS = "status"
    CONFIG = "config"
    RECEIPTS = "receipts"


UPLINK_CHANNELS = (Channel.EVENTS, Channel.READINGS, Channel.STATUS)
DOWNLINK_CHANNELS = (Channel.CONFIG, Channel.RECEIPTS)
# The uplink channels whose items travel through the device's outbox and earn receipts.
RECEIPTED_CHANNELS = (Channel.EVENTS, Channel.READINGS)


def check_identifier(value: str, what: str) -> str:
    """Return `value` if it is a valid site or device id, else raise ContractError."""
    if not _IDENTIFIER.match(value):
        raise ContractError(
            ContractErrorReason.BAD_TOPIC,
            f"{what} {value!r} must be 1-64 of A-Z a-z 0-9 _ . - and start alphanumeric",
            field=what,
        )
    return value


@dataclass(frozen=True)
class Topic:
    """One device's topic for one channel."""

    site: str
    device: str
    channel: Channel

    def __post_init__(self) -> None:
        check_identifier(self.site, "site")
        check_identifier(self.device, "device")

    def __str__(self) -> str:
        return f"{TOPIC_PREFIX}/{self.site}/{self.device}/{self.channel.value}"

    @classmethod
    def parse(cls, topic: str) -> "Topic":
        """Parse a topic string; raise ContractError(BAD_TOPIC) when it is not a v1 topic.

        Valid topics are remembered (a bounded cache: a device uses a few, and the ingester
        looks at each message's topic several times); invalid ones are parsed every time.
        """
        return _parse_topic(topic)

    @classmethod
    def _parse(cls, topic: str) -> "Topic":
        parts = topic.split("/")
        if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != TOPIC_PREFIX:
            raise ContractError(
                ContractErrorReason.BAD_TOPIC,
                f"{topic!r} is not {TOPIC_PREFIX}/site/device/channel",
            )
        try:
            channel = Channel(parts[4])
        except ValueError as err:
            raise ContractError(
                ContractErrorReason.BAD_TOPIC, f"unknown channel {parts[4]!r}", field="channel"
            ) from err
        return cls(site=parts[2], device=parts[3], channel=channel)


@lru_cache(maxsize=8192)
def _parse_topic(topic: str) -> Topic:
    """Topic.parse, remembered (a Topic is immutable; errors are raised, never cached)."""
    return Topic._parse(topic)


def subscription_filter(channel: Channel | None = None, *, share_group: str | None = None) -> str:
    """Topic filter for every device's `channel` (all if None); shared when a group is given."""
    last = channel.value if channel else "+"
    base = f"{TOPIC_PREFIX}/+/+/{last}"
    if share_group:
        check_identifier(share_group, "share_group")
        return f"$share/{share_group}/{base}"
    return base
