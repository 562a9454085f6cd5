"""A batch's timeline: origin, events, stays with their conditions, alerts, one step back/forward.

Covered: the origin (master data), every scan of the batch and of the units it was packed
into (from packing on), every stay (its own and in units) with min, max, mean, MKT and time out
of range, the alerts naming the batch, a downsampled temperature series; one step back = the
batches it was made from (batch_inputs: master data now, transformation events later); one
step forward = the units it was packed into and the batches made from it. Forwarding status to
the national portal and other destinations: per destination, how many of its events were
sent, wait, are parked (and which fields they lack) or were skipped.
"""

from datetime import UTC, datetime, time
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import timeline_store as store
from cloud.db.pool import Database
from cloud.trace import conditions
from cloud.trace.site_view import seen_from
from cloud.trace.timeline_json import forwarding, timeline_bytes
from cloud.trace.timeline_models import (
    BatchRef,
    Conditions,
    DestinationForwarding,
    Entry,
    Forwarding,
    Origin,
    Point,
    Timeline,
    UnitRef,
)

__all__ = [
    "BatchRef",
    "Conditions",
    "DestinationForwarding",
    "Entry",
    "Forwarding",
    "Origin",
    "Point",
    "Timeline",
    "UnitRef",
    "batch_timeline",
    "timeline_in",
    "timeline_json",
]

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
    for captured in facts.captured:
        partner = captured["asserted_by"] == "partner"
        entries.append(
            Entry.model_validate(
                {
                    "kind": "event",
                    "time": captured["time"],
                    "site": None if partner else captured["site_id"],
                    "location": captured["place"],
                    "biz_step": captured["biz_step"],
                    "event_id": captured["id"],
                    "asserted_by": captured["asserted_by"],
                    "captured_by": captured["site_id"],
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


def forwarding_summary(rows: list[dict[str, Any]]) -> Forwarding:
    """Per destination: events sent, pending, parked (with missing fields), skipped."""
    return Forwarding.model_validate(forwarding(rows))


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
) -> bytes | None:
    """The timeline as the API's JSON (UTF-8); the series' JSON comes as the database wrote it.

    Same document as Timeline.model_dump_json (the series last): a 500-point series costs
    no Python objects. Joined as bytes: as text, a name with a diacritic widened the whole
    document (the ASCII series too) to two bytes a character before it was encoded, ten times
    the cost. `site`: as an operator of that site sees it (cloud/trace/site_view.py).
    """
    facts = store.timeline_facts(cur, batch_id)
    if facts is None:
        return None
    summaries, series = conditions.summaries_and_series_json(cur, batch_id, points, site)
    return timeline_bytes(cur, facts, summaries, series, site)


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
            own = [
                e.event_id
                for e in everything
                if e.kind == "event" and e.site == site and e.asserted_by is None
            ]
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
            "forwarding": forwarding_summary(forwarding),
        }
    )
