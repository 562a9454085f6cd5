"""A batch's timeline: origin, events, stays with their conditions, alerts, one step back/forward.

Covered: the origin (master data), every scan of the batch and of the units it was packed
into (from packing on), every stay (its own and in units) with min, max, mean, MKT and time out
of range, the alerts naming the batch, a downsampled temperature series; one step back = the
batches it was made from (batch_inputs: master data now, transformation events later); one
step forward = the units it was packed into and the batches made from it. Forwarding status to
the national portal and other destinations: per destination, how many of its events were
sent, wait, are parked (and which fields they lack) or were skipped.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, ConfigDict

from cloud.db import timeline_store as store
from cloud.db.pool import Database
from cloud.trace import conditions


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class BatchRef(_Model):
    """A batch named by id and GTIN + lot."""

    id: int
    gtin: str
    lot: str


class Origin(_Model):
    """Where and by whom the batch was made (portal: producer, growing area, production time)."""

    product_name: str | None
    producer_name: str | None
    producer_address: str | None
    ocop_stars: int | None
    origin_code: str | None
    site_id: str | None
    production_date: date | None
    pack_date: date | None
    expiry_date: date | None
    quantity: Decimal | None
    unit: str | None
    verified: bool
    source: str


class Conditions(_Model):
    """The readings of one stay, summarised."""

    readings: int
    min: float | None
    max: float | None
    mean: float | None
    mkt: float | None
    out_of_range_s: float | None


class Entry(_Model):
    """One thing that happened to the batch, in time order."""

    kind: Literal["origin", "event", "stay", "alert"]
    time: datetime
    end: datetime | None = None
    site: str | None = None
    location: str | None = None
    biz_step: str | None = None
    event_id: str | None = None
    via_sscc: str | None = None
    conditions: Conditions | None = None
    alert_id: int | None = None
    alert_kind: str | None = None
    severity: str | None = None
    state: str | None = None


class Point(_Model):
    """One bucket of the temperature series."""

    first_time: datetime
    last_time: datetime
    count: int
    min: float
    max: float
    mean: float


class UnitRef(_Model):
    """A logistic unit the batch was packed into."""

    sscc: str
    packed_at: datetime
    site: str


class DestinationForwarding(_Model):
    """How the batch's events stand with one destination (the national portal, …)."""

    destination: str
    sent: int
    pending: int
    parked: int
    skipped: int
    last_sent_at: datetime | None
    missing_fields: list[str]


class Forwarding(_Model):
    """Delivery of the batch's events: parked (held: data missing), pending, delivered."""

    status: Literal["not_queued", "parked", "pending", "delivered"]
    destinations: list[DestinationForwarding]


class Timeline(_Model):
    """Everything that happened to a batch, with one step back and one step forward."""

    batch: BatchRef
    origin: Origin
    entries: list[Entry]
    series: list[Point]
    inputs: list[BatchRef]
    units: list[UnitRef]
    outputs: list[BatchRef]
    forwarding: Forwarding


_ORDER = {"origin": 0, "event": 1, "stay": 2, "alert": 3}


def _entries(
    origin: Origin, facts: store.TimelineFacts, stays: list[conditions.StaySummary]
) -> list[Entry]:
    entries: list[Entry] = []
    made = origin.production_date or origin.pack_date
    if made is not None:
        entries.append(
            Entry(
                kind="origin",
                time=datetime.combine(made, time(), UTC),
                site=origin.site_id,
                location=origin.origin_code,
            )
        )
    for event in facts.events:
        entries.append(
            Entry.model_validate(
                {
                    "kind": "event",
                    "time": event["time"],
                    "site": event["site_id"],
                    "location": event["location"],
                    "biz_step": event["biz_step"],
                    "event_id": event["id"],
                    "via_sscc": event["via"],
                }
            )
        )
    for summary in stays:
        stay = summary.stay
        entries.append(
            Entry(
                kind="stay",
                time=stay.start,
                end=stay.end,
                site=stay.site_id,
                location=stay.location,
                via_sscc=stay.via_sscc,
                conditions=Conditions(
                    readings=summary.count,
                    min=summary.min,
                    max=summary.max,
                    mean=summary.mean,
                    mkt=summary.mkt,
                    out_of_range_s=summary.out_of_range_s,
                ),
            )
        )
    for alert in facts.alerts:
        entries.append(
            Entry.model_validate(
                {
                    "kind": "alert",
                    "time": alert["started_at"],
                    "end": alert["ended_at"],
                    "site": alert["site_id"],
                    "location": alert["location"],
                    "alert_id": alert["id"],
                    "alert_kind": alert["kind"],
                    "severity": alert["severity"],
                    "state": alert["state"],
                }
            )
        )
    return sorted(entries, key=lambda e: (e.time, _ORDER[e.kind]))


def _forwarding(rows: list[dict[str, Any]]) -> Forwarding:
    per: dict[str, dict[str, Any]] = {}
    for row in rows:
        summary = per.setdefault(
            row["destination"],
            {"destination": row["destination"], "last_sent_at": None, "missing_fields": []}
            | dict.fromkeys(("sent", "pending", "parked", "skipped"), 0),
        )
        summary[row["state"]] = row["events"]
        summary["last_sent_at"] = summary["last_sent_at"] or row["sent_at"]  # sent only
        summary["missing_fields"] = sorted({*summary["missing_fields"], *row["missing"]})
    destinations = [DestinationForwarding.model_validate(d) for d in per.values()]
    status: Literal["not_queued", "parked", "pending", "delivered"] = "not_queued"
    if any(d.parked for d in destinations):
        status = "parked"
    elif any(d.pending for d in destinations):
        status = "pending"
    elif destinations:
        status = "delivered"
    return Forwarding(status=status, destinations=destinations)


def batch_timeline(
    database: Database, batch: int | tuple[str, str], *, points: int = 500
) -> Timeline | None:
    """The timeline of a batch (by id or by GTIN + lot); None if there is no such batch."""
    with database.transaction() as conn, conn.cursor() as cur:
        return timeline_in(cur, batch, points=points)


def timeline_in(cur: Cursor, batch: int | tuple[str, str], *, points: int = 500) -> Timeline | None:
    """batch_timeline, read with the caller's cursor (in its transaction)."""
    batch_id = store.find_batch(cur, *batch) if isinstance(batch, tuple) else batch
    facts = store.timeline_facts(cur, batch_id) if batch_id is not None else None
    if batch_id is None or facts is None:
        return None
    summaries, points_read = conditions.summaries_and_series(cur, batch_id, points)
    return _assemble(facts, summaries, [p.__dict__ for p in points_read])


def timeline_json(cur: Cursor, batch_id: int, *, points: int = 500) -> str | None:
    """The timeline as the API's JSON text; the series' JSON comes as the database wrote it.

    Same document as Timeline.model_dump_json (the series last): a 500-point series costs
    no Python objects.
    """
    facts = store.timeline_facts(cur, batch_id)
    if facts is None:
        return None
    summaries, series = conditions.summaries_and_series_json(cur, batch_id, points)
    rest = _assemble(facts, summaries, []).model_dump_json(exclude={"series"})
    return f'{rest[:-1]},"series":{series}}}'


def _assemble(
    facts: store.TimelineFacts,
    summaries: list[conditions.StaySummary],
    series: list[dict[str, Any]],
) -> Timeline:
    origin = Origin.model_validate(facts.header)
    return Timeline.model_validate(
        {
            "batch": facts.header,
            "origin": origin,
            "entries": _entries(origin, facts, summaries),
            "series": series,
            "inputs": facts.inputs,
            "units": [{**u, "site": u["site_id"]} for u in facts.units],
            "outputs": facts.outputs,
            "forwarding": _forwarding(facts.forwarding),
        }
    )
