"""The standard EPCIS query parameters we answer, parsed and checked, and opaque page tokens."""

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cloud.epcis.errors import EpcisInvalid, Problem
from cloud.epcis.formats import is_date_time
from cloud.epcis.identifiers import Gs1Key, canonical_key
from cloud.epcis.vocab import bare_value

EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)


@dataclass(frozen=True)
class EventQuery:
    """A SimpleEventQuery: every given parameter must hold (a list: any of its values)."""

    event_types: list[str] = field(default_factory=list)
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    biz_steps: list[str] = field(default_factory=list)
    biz_locations: list[str] = field(default_factory=list)  # canonical keys
    epcs: list[str] = field(default_factory=list)  # canonical keys
    classes: list[str] = field(default_factory=list)  # canonical keys

    def keys(self, values: list[str]) -> list[Gs1Key]:
        """The GS1 keys among canonical keys (other identifiers are matched as given)."""
        found = []
        for value in values:
            kind, _, rest = value.partition(":")
            key, _, qualifier = rest.partition(":")
            if kind in ("sgtin", "lgtin", "gtin", "sscc", "sgln") and key.isdigit():
                found.append(Gs1Key(kind, key, qualifier or None))
        return found


@dataclass(frozen=True, order=True)
class PageMark:
    """Where a page ended: the last event's time, source and reference."""

    time: datetime
    source: str
    ref: str

    def token(self) -> str:
        """An opaque nextPageToken."""
        raw = json.dumps([self.time.isoformat(), self.source, self.ref]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> "PageMark":
        """The mark a token names (EpcisInvalid when it is not one of ours)."""
        try:
            padded = token + "=" * (-len(token) % 4)
            time, source, ref = json.loads(base64.urlsafe_b64decode(padded))
            return cls(datetime.fromisoformat(time), str(source), str(ref))
        except (binascii.Error, ValueError, TypeError) as err:
            raise EpcisInvalid(
                [Problem("nextPageToken", "not a token this server issued")]
            ) from err


def _split(values: Iterable[str]) -> list[str]:
    """Values of a list parameter: repeated, or separated by `|` (commas may be in URIs)."""
    return [part.strip() for value in values for part in value.split("|") if part.strip()]


def _time(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    if not is_date_time(value):
        raise EpcisInvalid([Problem(name, f"{value!r} is not an RFC 3339 date-time with offset")])
    return datetime.fromisoformat(value.replace("z", "Z"))


def parse_query(
    *,
    event_type: Iterable[str] = (),
    ge_event_time: str | None = None,
    lt_event_time: str | None = None,
    eq_biz_step: Iterable[str] = (),
    eq_biz_location: Iterable[str] = (),
    match_epc: Iterable[str] = (),
    match_epc_class: Iterable[str] = (),
) -> EventQuery:
    """Check and normalise the parameters (EpcisInvalid names the bad one)."""
    types = _split(event_type)
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise EpcisInvalid([Problem("eventType", f"unknown event type {unknown[0]!r}")])
    return EventQuery(
        event_types=types,
        ge_time=_time("GE_eventTime", ge_event_time),
        lt_time=_time("LT_eventTime", lt_event_time),
        biz_steps=[bare_value("bizStep", v) for v in _split(eq_biz_step)],
        biz_locations=[canonical_key(v) for v in _split(eq_biz_location)],
        epcs=[canonical_key(v) for v in _split(match_epc)],
        classes=[canonical_key(v) for v in _split(match_epc_class)],
    )
