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
from pydantic import BaseModel, ConfigDict, Field

from cloud.db import timeline_store as store
from cloud.db.pool import Database
from cloud.trace import conditions
from cloud.trace.site_view import seen_from


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class BatchRef(_Model):
    """A batch named by id and GTIN + lot."""

    id: int = Field(description="Batch id")
    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot (GS1 AI 10)")


class Origin(_Model):
    """Where and by whom the batch was made (portal: producer, growing area, production time)."""

    product_name: str | None = Field(description="Name of the product")
    producer_name: str | None = Field(description="Producer")
    producer_address: str | None = Field(description="Producer's address")
    ocop_stars: int | None = Field(description="OCOP rating, 1-5 stars")
    origin_code: str | None = Field(description="Farm plot or growing area code")
    site_id: str | None = Field(description="Producing site")
    production_date: date | None = Field(description="Production (harvest) date")
    pack_date: date | None = Field(description="Packing date")
    expiry_date: date | None = Field(description="Expiry date")
    quantity: Decimal | None = Field(description="Quantity produced")
    unit: str | None = Field(description="Unit of the quantity")
    verified: bool = Field(description="Known from master data (not only from a scan)")
    source: str = Field(description="Where the batch came from: import, scan, api, epcis")


class Conditions(_Model):
    """The readings of one stay, summarised."""

    readings: int = Field(description="Readings linked to the stay (suspect ones left out)")
    min: float | None = Field(description="Lowest value")
    max: float | None = Field(description="Highest value")
    mean: float | None = Field(description="Mean value")
    mkt: float | None = Field(description="Mean kinetic temperature (°C; ΔH/R = 10,000 K)")
    out_of_range_s: float | None = Field(
        description="Seconds of the batch's excursions within the stay (null: no profile applies)"
    )


class Entry(_Model):
    """One thing that happened to the batch, in time order."""

    kind: Literal["origin", "event", "stay", "alert"] = Field(
        description="origin (made), event (a scan), stay (at a place, with conditions) or alert"
    )
    time: datetime = Field(description="When it happened or began")
    end: datetime | None = Field(
        default=None, description="When a stay or an alert ended (null: still open)"
    )
    site: str | None = Field(default=None, description="Site")
    location: str | None = Field(
        default=None, description="Place within the site (origin: the growing area)"
    )
    biz_step: str | None = Field(default=None, description="GS1 CBV business step of an event")
    event_id: str | None = Field(default=None, description="Event id (as forwarded)")
    via_sscc: str | None = Field(
        default=None, description="The logistic unit (SSCC) the batch was in"
    )
    conditions: Conditions | None = Field(default=None, description="A stay's readings, summarised")
    alert_id: int | None = Field(default=None, description="Alert id")
    alert_kind: str | None = Field(
        default=None, description="Kind of alert (excursion_high, impossible_travel, …)"
    )
    severity: str | None = Field(default=None, description="Alert severity")
    state: str | None = Field(
        default=None, description="Alert state: active_unack, active_ack or cleared"
    )


class Point(_Model):
    """One bucket of the temperature series."""

    first_time: datetime = Field(description="Time of the bucket's first reading")
    last_time: datetime = Field(description="Time of the bucket's last reading")
    count: int = Field(description="Readings in the bucket")
    min: float = Field(description="Lowest value")
    max: float = Field(description="Highest value")
    mean: float = Field(description="Mean value")


class UnitRef(_Model):
    """A logistic unit the batch was packed into."""

    sscc: str = Field(description="SSCC of the logistic unit")
    packed_at: datetime = Field(description="When the batch was packed into it")
    site: str = Field(description="Packing site")


class DestinationForwarding(_Model):
    """How the batch's events stand with one destination (the national portal, …)."""

    destination: str = Field(
        description="Destination name (the national portal, an EPCIS repository)"
    )
    sent: int = Field(description="Events delivered")
    pending: int = Field(description="Events waiting to be sent")
    parked: int = Field(description="Events held: our data lacks a field")
    skipped: int = Field(description="Events the destination does not take")
    last_sent_at: datetime | None = Field(description="When the last one was delivered")
    missing_fields: list[str] = Field(description="Fields the parked events lack")


class Forwarding(_Model):
    """Delivery of the batch's events: parked (held: data missing), pending, delivered."""

    status: Literal["not_queued", "parked", "pending", "delivered"] = Field(
        description="parked: an event is held; pending: one waits; delivered; not_queued: none"
    )
    destinations: list[DestinationForwarding] = Field(description="Per destination")


class Timeline(_Model):
    """Everything that happened to a batch, with one step back and one step forward."""

    batch: BatchRef = Field(description="The batch")
    origin: Origin = Field(description="Where and by whom it was made")
    entries: list[Entry] = Field(description="What happened, in time order")
    series: list[Point] = Field(
        description="Temperature over its life, downsampled (at most `points` buckets)"
    )
    inputs: list[BatchRef] = Field(description="Batches it was made from (one step back)")
    units: list[UnitRef] = Field(description="Logistic units it was packed into")
    outputs: list[BatchRef] = Field(description="Batches made from it (one step forward)")
    forwarding: Forwarding = Field(description="Delivery of its events")


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


def timeline_in(
    cur: Cursor, batch: int | tuple[str, str], *, points: int = 500, site: str | None = None
) -> Timeline | None:
    """batch_timeline with the caller's cursor; `site`: as that site's operator sees it."""
    batch_id = store.find_batch(cur, *batch) if isinstance(batch, tuple) else batch
    facts = store.timeline_facts(cur, batch_id) if batch_id is not None else None
    if batch_id is None or facts is None:
        return None
    summaries, points_read = conditions.summaries_and_series(cur, batch_id, points, site)
    return _assemble(cur, facts, summaries, [p.__dict__ for p in points_read], site)


def timeline_json(
    cur: Cursor, batch_id: int, *, points: int = 500, site: str | None = None
) -> str | None:
    """The timeline as the API's JSON text; the series' JSON comes as the database wrote it.

    Same document as Timeline.model_dump_json (the series last): a 500-point series costs
    no Python objects. `site`: as an operator of that site sees it (cloud/trace/site_view.py).
    """
    facts = store.timeline_facts(cur, batch_id)
    if facts is None:
        return None
    summaries, series = conditions.summaries_and_series_json(cur, batch_id, points, site)
    rest = _assemble(cur, facts, summaries, [], site).model_dump_json(exclude={"series"})
    return f'{rest[:-1]},"series":{series}}}'


def _assemble(
    cur: Cursor,
    facts: store.TimelineFacts,
    summaries: list[conditions.StaySummary],
    series: list[dict[str, Any]],
    site: str | None,
) -> Timeline:
    origin = Origin.model_validate(facts.header)
    entries = _entries(origin, facts, summaries)
    forwarding = facts.forwarding
    if site is not None:
        everything = entries
        entries = seen_from(entries, site)
        if any(e.kind == "event" and e.site != site for e in everything):
            own = [e.event_id for e in everything if e.kind == "event" and e.site == site]
            forwarding = store.forwarding_of(cur, [i for i in own if i])
    return Timeline.model_validate(
        {
            "batch": facts.header,
            "origin": origin,
            "entries": entries,
            "series": series,
            "inputs": facts.inputs,
            "units": [{**u, "site": u["site_id"]} for u in facts.units],
            "outputs": facts.outputs,
            "forwarding": _forwarding(forwarding),
        }
    )
