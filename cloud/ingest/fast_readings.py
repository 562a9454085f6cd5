"""The readings channel's hot path: a whole envelope parsed and validated in one pass by msgspec.

The contract's pydantic models (contract.envelope.Envelope, contract.items.SensorReading) stay
the schema. This decoder mirrors them for the message an ingester meets most, in compiled code,
and accepts a message only when every item is valid and every value is parsed exactly as
pydantic parses it; it returns None for anything else, which then takes `contract.decode`
(naming the error, keeping the valid items of a partly valid message). So the two can never
disagree on a message: tests/cloud/ingest/test_fast_readings.py checks, over generated
envelopes valid and invalid, that whatever this accepts, pydantic accepts with equal values.

Where the two parsers differ, the message is left to pydantic: times with more than six
fractional digits (pydantic truncates them to microseconds, msgspec rounds), any escaped
character (none is needed in a valid reading, and one could hide such a time), and any form
msgspec does not read (unix times, UUIDs in braces, numbers in strings...). The schema is
fixed and shallow, so nesting cannot go deeper than it before msgspec fails.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

import msgspec

from contract import CONTRACT_VERSION, MAX_ITEMS_PER_MESSAGE, Topic
from contract.items import (
    MAX_SEQ,
    QUANTITIES,
    ClockQuality,
    Quantity,
    ReadingQuality,
    to_utc,
)
from contract.topics import IDENTIFIER_PATTERN

# Fractions of a second beyond microseconds: :MM:SS.fffffff (numbers and names hold no ':').
_FINER_THAN_MICROSECONDS = re.compile(rb":\d\d:\d\d\.\d{7}")  # (a literal first: fast)
# As pydantic-core's regex reads the contract's pattern: `$` only at the very end.
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_KNOWN_NAMES_LIMIT = 100_000
_AWARE = msgspec.Meta(tz=True)
_PLAUSIBLE = {
    quantity.value: (kind.unit, kind.plausible[0], kind.plausible[1])
    for quantity, kind in QUANTITIES.items()
}


# The enums' values as plain strings (which hash and format at C speed); checked below.
ClockText = Literal["synced", "unsynced"]
QuantityText = Literal["temperature", "relative_humidity"]
QualityText = Literal["good", "suspect"]
for _text, _enum in (
    (ClockText, ClockQuality),
    (QuantityText, Quantity),
    (QualityText, ReadingQuality),
):
    assert set(get_args(_text)) == {member.value for member in _enum}, f"{_enum} changed"


class FastReading(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """contract.items.SensorReading as msgspec reads it (its enums as their values)."""

    id: UUID
    device_time: Annotated[datetime, _AWARE]
    clock: ClockText
    seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
    kind: Literal["reading"] = "reading"
    sensor: str
    location: str
    quantity: QuantityText
    value: float
    unit: str
    quality: QualityText = "good"


class _Envelope(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """contract.envelope.Envelope of readings, every field required (as `decode` wants them)."""

    v: Literal[1]
    site: str
    device: str
    sent_at: Annotated[datetime, _AWARE]
    items: Annotated[
        list[FastReading], msgspec.Meta(min_length=1, max_length=MAX_ITEMS_PER_MESSAGE)
    ]


assert CONTRACT_VERSION == 1, "the envelope's Literal above follows the contract's version"
_DECODER = msgspec.json.Decoder(_Envelope)


_KNOWN_NAMES: set[str] = set()  # identifiers already checked (sensors, locations)


def _valid_name(name: str) -> bool:
    """Whether `name` is a valid identifier (remembered when it is)."""
    if _IDENTIFIER.fullmatch(name) is None:
        return False
    if len(_KNOWN_NAMES) >= _KNOWN_NAMES_LIMIT:
        _KNOWN_NAMES.clear()
    _KNOWN_NAMES.add(name)
    return True


def decode_readings(topic: Topic, payload: bytes) -> list[FastReading] | None:
    """The readings of a wholly valid readings message on `topic`, or None (see the module).

    The caller has checked the size and that `topic` is a readings topic.
    """
    try:
        envelope = _DECODER.decode(payload)
    except msgspec.MsgspecError:
        return None
    # after decoding, so that bytes msgspec refuses anyway (most hostile ones) are not scanned
    if b"\\" in payload or _FINER_THAN_MICROSECONDS.search(payload) is not None:
        return None  # an escape could hide such a time (no valid reading needs one)
    if envelope.site != topic.site or envelope.device != topic.device:
        return None
    if envelope.sent_at.tzinfo is not UTC:
        try:
            to_utc(envelope.sent_at)
        except ValueError:
            return None  # beyond UTC's range: contract.decode refuses the message
    known = _KNOWN_NAMES
    for item in envelope.items:
        unit, low, high = _PLAUSIBLE[item.quantity]
        if item.unit != unit or not low <= item.value <= high:
            return None
        if item.sensor not in known and not _valid_name(item.sensor):
            return None
        if item.location not in known and not _valid_name(item.location):
            return None
        at = item.device_time
        if at.tzinfo is not UTC:
            try:
                item.device_time = to_utc(at)
            except ValueError:
                return None  # (as pydantic's validator: contract.decode names the error)
    return envelope.items
