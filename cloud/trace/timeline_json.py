"""The timeline's JSON written from its facts without models: Timeline.model_dump_json's bytes.

The models (timeline_models.py) are the schema; this writes the same document, field for field
in their order, with msgspec (which writes strings, dates, times, Decimals and floats as
pydantic does, but for a float's positive exponent: 1e+20, not 1e20).
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from math import isfinite
from typing import Any, Literal

import msgspec
from psycopg2.extensions import cursor as Cursor

from cloud.db import timeline_store as store
from cloud.trace.conditions import StaySummary
from cloud.trace.site_view import HIDDEN, sight
from cloud.trace.timeline_models import DestinationForwarding, Entry, Origin

_ENTRY = dict.fromkeys(Entry.model_fields)
_ORIGIN = tuple(Origin.model_fields)
_DESTINATION = tuple(DestinationForwarding.model_fields)
_ORDER = {"origin": 0, "event": 1, "stay": 2, "alert": 3}
_encode = msgspec.json.Encoder().encode


def forwarding(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per destination: events sent, pending, parked (with missing fields), skipped."""
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
    destinations = [
        {k: _time(d[k]) if k == "last_sent_at" else d[k] for k in _DESTINATION}
        for d in per.values()
    ]
    status: Literal["not_queued", "parked", "pending", "delivered"] = "not_queued"
    if any(d["parked"] for d in destinations):
        status = "parked"
    elif any(d["pending"] for d in destinations):
        status = "pending"
    elif destinations:
        status = "delivered"
    return {"status": status, "destinations": destinations}


def timeline_bytes(
    cur: Cursor,
    facts: store.TimelineFacts,
    summaries: list[StaySummary],
    series: str,
    site: str | None,
) -> bytes:
    """The timeline's JSON with `series` (its JSON text) last; `site`: as its operator sees it."""
    header = facts.header
    origin = {k: header[k] for k in _ORIGIN}
    if origin["quantity"] is not None:
        origin["quantity"] = Decimal(str(origin["quantity"]))
    entries = sorted(_entries(origin, facts, summaries), key=_when)
    rows = facts.forwarding
    if site is not None:
        marks = sight(
            [(e["kind"], e["site"], e["asserted_by"], e["captured_by"]) for e in entries], site
        )
        if any(e["kind"] == "event" and e["site"] != site for e in entries):
            own = [
                e["event_id"]
                for e in entries
                if e["kind"] == "event" and e["site"] == site and e["asserted_by"] is None
            ]
            rows = store.forwarding_of(cur, [i for i in own if i])
        entries = [
            e | HIDDEN if mark else e
            for e, mark in zip(entries, marks, strict=True)
            if mark is not None
        ]
    return _encode(
        {
            "batch": {"id": header["id"], "gtin": header["gtin"], "lot": header["lot"]},
            "origin": origin,
            "entries": entries,
            "inputs": [{"id": b["id"], "gtin": b["gtin"], "lot": b["lot"]} for b in facts.inputs],
            "units": [
                {"sscc": u["sscc"], "packed_at": _time(u["packed_at"]), "site": u["site_id"]}
                for u in facts.units
            ],
            "outputs": [{"id": b["id"], "gtin": b["gtin"], "lot": b["lot"]} for b in facts.outputs],
            "forwarding": forwarding(rows),
            "series": msgspec.Raw(series),
        }
    )


def _entries(
    origin: dict[str, Any], facts: store.TimelineFacts, stays: list[StaySummary]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    made = origin["production_date"] or origin["pack_date"]
    if made is not None:
        day = made if isinstance(made, date) else date.fromisoformat(made)
        entries.append(
            _ENTRY
            | {
                "kind": "origin",
                "time": datetime.combine(day, time(), UTC),
                "site": origin["site_id"],
                "location": origin["origin_code"],
            }
        )
    for event in facts.events:
        entries.append(
            _ENTRY
            | {
                "kind": "event",
                "time": _time(event["time"]),
                "site": event["site_id"],
                "location": event["location"],
                "biz_step": event["biz_step"],
                "event_id": event["id"],
                "via_sscc": event["via"],
            }
        )
    for captured in facts.captured:
        partner = captured["asserted_by"] == "partner"
        entries.append(
            _ENTRY
            | {
                "kind": "event",
                "time": _time(captured["time"]),
                "site": None if partner else captured["site_id"],
                "location": captured["place"],
                "biz_step": captured["biz_step"],
                "event_id": captured["id"],
                "asserted_by": captured["asserted_by"],
                "captured_by": captured["site_id"],
            }
        )
    for summary in stays:
        stay = summary.stay
        entries.append(
            _ENTRY
            | {
                "kind": "stay",
                "time": stay.start,
                "end": stay.end,
                "site": stay.site_id,
                "location": stay.location,
                "via_sscc": stay.via_sscc,
                "conditions": {
                    "readings": summary.count,
                    "min": _float(summary.min),
                    "max": _float(summary.max),
                    "mean": _float(summary.mean),
                    "mkt": _float(summary.mkt),
                    "out_of_range_s": _float(summary.out_of_range_s),
                },
            }
        )
    for alert in facts.alerts:
        entries.append(
            _ENTRY
            | {
                "kind": "alert",
                "time": _time(alert["started_at"]),
                "end": _time(alert["ended_at"]),
                "site": alert["site_id"],
                "location": alert["location"],
                "alert_id": alert["id"],
                "alert_kind": alert["kind"],
                "severity": alert["severity"],
                "state": alert["state"],
            }
        )
    return entries


def _when(entry: dict[str, Any]) -> tuple[datetime, int]:
    return entry["time"], _ORDER[entry["kind"]]


def _time(value: str | datetime | None) -> datetime | None:
    """A time of the facts (ISO 8601 text as PostgreSQL's JSON writes it) as a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _float(value: float | None) -> float | msgspec.Raw | None:
    """A float as pydantic writes it: msgspec's text, but for 1e+20 (msgspec: 1e20)."""
    if value is None:
        return None
    value = float(value)
    if abs(value) < 1e16 or not isfinite(value):
        return value
    return msgspec.Raw(_encode(value).replace(b"e", b"e+"))
