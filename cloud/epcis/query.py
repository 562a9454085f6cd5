"""The standard EPCIS query parameters we answer, parsed and checked, and opaque page tokens."""

from collections.abc import Iterable
from datetime import datetime

from cloud.db.rows.epcis_query import EventQuery
from cloud.epcis.errors import EpcisInvalid, Problem
from cloud.epcis.formats import is_date_time
from cloud.epcis.identifiers import canonical_key
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
