"""SQL of a batch's steps: its events grouped by business step and place, and each group's events.

A step is every scan of one business step at one place (site, location) that names the batch:
its own, its commissioned serials', its logistic units' from packing on (BATCH_EVENTS_SQL).
The groups are kept in `batch_steps` by the derive worker and re-derived whole, so reading a
batch's steps costs a handful of rows whatever its number of scans.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.queries import fetch_dicts
from cloud.db.timeline_store import (
    ALERTS_SQL,
    CAPTURED_SQL,
    HEADER_SQL,
    UNITS_SQL,
    batch_events_sql,
    json_rows,
)

_REFRESH_SQL = (
    "INSERT INTO batch_steps (batch_id, biz_step, site_id, location, scans, serials, units, "
    " first_time, last_time, readers) "
    f"SELECT %(b)s::bigint, biz_step, site_id, location, count(*), count(DISTINCT serial), "
    " count(DISTINCT sscc), min(time), max(time), "
    " array_agg(DISTINCT device_id || '/' || reader ORDER BY device_id || '/' || reader) "
    f"FROM ({batch_events_sql(codes=True)}) ev GROUP BY biz_step, site_id, location"
)
_STEPS_SQL = (
    "SELECT s.biz_step, s.site_id, (SELECT st.name FROM sites st WHERE st.id = s.site_id) "
    " AS site_name, s.location, l.name AS location_name, l.kind AS location_kind, s.scans, "
    " s.serials, s.units, s.first_time, s.last_time, s.readers, "
    # Whether the place ever had a reading: the first, by the place's index (an EXISTS here
    # was planned as a scan of the readings, stopping at the first match or the end).
    " (SELECT r.time FROM readings r WHERE r.site_id = s.site_id AND r.location = s.location "
    "  AND r.quantity = 'temperature' ORDER BY r.time LIMIT 1) IS NOT NULL AS measured "
    # The site's and the place's names by their keys, a step at a time: plain joins were
    # planned (generic plan, ~30 steps expected) as hashes of every site and every location.
    "FROM batch_steps s LEFT JOIN LATERAL (SELECT l.name, l.kind FROM locations l "
    " WHERE l.site_id = s.site_id AND l.code = s.location LIMIT 1) l ON true "
    "WHERE s.batch_id = %(b)s::bigint ORDER BY s.first_time, s.last_time, s.biz_step, s.site_id"
)


# One step back (near = batch_id: what it was made from) or forward (near = input_batch_id).
_NEIGHBOURS_SQL = (
    "SELECT b.id, b.gtin, b.lot, b.site_id, p.name AS product_name, b.production_date, "
    " b.origin_code, s.name AS site_name, (SELECT l.name FROM locations l "
    "  WHERE l.site_id = b.site_id AND b.origin_code IN (l.code, l.area_code) "
    "  ORDER BY l.code = b.origin_code DESC, l.code LIMIT 1) AS origin_name "
    "FROM batch_inputs x JOIN batches b ON b.id = x.{far} "
    "LEFT JOIN products p ON p.gtin = b.gtin LEFT JOIN sites s ON s.id = b.site_id "
    "WHERE x.{near} = %(b)s::bigint"
)
_STEPS_JSON = json_rows(_STEPS_SQL, "r.first_time, r.last_time, r.biz_step, r.site_id")
_INPUTS_JSON = json_rows(_NEIGHBOURS_SQL.format(near="batch_id", far="input_batch_id"), "r.id")
# Seconds out of range (temperature) at each place.
_OUT_OF_RANGE_JSON = json_rows(
    "SELECT site_id, location, sum(extract(epoch FROM coalesce(end_time, last_time) "
    " - start_time))::float8 AS seconds FROM excursions WHERE batch_id = %(b)s::bigint "
    " AND quantity = 'temperature' GROUP BY site_id, location",
    "r.site_id, r.location",
)
# The story's facts of batch %(b)s, as the columns of one row (StoryFacts' fields in order).
STORY_FACTS_COLUMNS = (
    f"(SELECT row_to_json(h) FROM ({HEADER_SQL}) h), "
    + ", ".join(
        (
            _STEPS_JSON,
            json_rows(ALERTS_SQL, "r.started_at, r.id"),
            _INPUTS_JSON,
            json_rows(_NEIGHBOURS_SQL.format(near="input_batch_id", far="batch_id"), "r.id"),
            json_rows(UNITS_SQL.format(ids="ARRAY[%(b)s::bigint]"), "r.packed_at, r.sscc"),
        )
    )
    # Whether a temperature profile applies, and the seconds out of range at each place.
    + ", (SELECT EXISTS (SELECT 1 FROM batches b JOIN products p ON p.gtin = b.gtin "
    " LEFT JOIN product_groups g ON g.id = p.product_group JOIN cold_chain_profiles c "
    " ON c.id = coalesce(p.profile_id, g.profile_id) WHERE b.id = %(b)s::bigint "
    " AND c.quantity = 'temperature')), "
    + _OUT_OF_RANGE_JSON
    # Captured EPCIS events naming the batch, grouped as steps: by step, place, who asserts
    # them (the capturing site itself, or a partner it passes on) and who captured them.
    + ", "
    + json_rows(
        "SELECT biz_step, place, asserted_by, site_id AS captured_by, count(*) AS events, "
        f" min(time) AS first_time, max(time) AS last_time FROM ({CAPTURED_SQL}) c "
        "GROUP BY biz_step, place, asserted_by, site_id",
        "r.first_time, r.biz_step, r.place",
    )
)


# What a consumer's story needs besides the batch's own row: its steps, one step back, and
# the seconds out of range at each place (no alerts, units, outputs or captured events).
PUBLIC_FACTS_COLUMNS = f"{_STEPS_JSON}, {_INPUTS_JSON}, {_OUT_OF_RANGE_JSON}"


def story_facts_columns(batch: str, columns: str = STORY_FACTS_COLUMNS) -> str:
    """SQL: the story's facts as columns, of the batch whose id is SQL `batch` (e.g. c.id)."""
    return columns.replace("%(b)s::bigint", f"({batch})")


_STORY_FACTS = prepared.statement("txng_story_facts", f"SELECT {STORY_FACTS_COLUMNS}")


@dataclass(frozen=True)
class StoryFacts:
    """What a batch's story shows besides conditions, as JSON values (times as ISO text)."""

    header: dict[str, Any]
    steps: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    units: list[dict[str, Any]]
    monitored: bool
    out_of_range: list[dict[str, Any]]
    captured: list[dict[str, Any]]


def story_facts(cur: Cursor, batch_id: int) -> StoryFacts | None:
    """Header, steps, alerts, one step back and forward, units, excursion time: one query."""
    prepared.execute(cur, _STORY_FACTS, {"b": batch_id})
    row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    return StoryFacts(*row)


def refresh_steps(cur: Cursor, batch_id: int) -> None:
    """Derive the batch's steps anew from the events that name it."""
    cur.execute("DELETE FROM batch_steps WHERE batch_id = %s", (batch_id,))
    cur.execute(_REFRESH_SQL, {"b": batch_id})


def scanned_at(cur: Cursor, batch_id: int, site: str) -> bool:
    """Whether the batch (itself, its serials or a unit holding it) was scanned at the site."""
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM batch_steps WHERE batch_id = %s AND site_id = %s)",
        (batch_id, site),
    )
    row = cur.fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class StepKey:
    """One step of a batch: business step at a place."""

    biz_step: str
    site_id: str
    location: str


_COLUMNS = (
    "e.time, e.id::text AS id, e.device_id, e.reader, e.gtin::text AS gtin, e.lot, e.serial, "
    "e.sscc::text AS sscc"
)
_STEP_FILTER = (
    "e.biz_step = %(step)s AND e.site_id = %(site)s AND e.location = %(loc)s "
    "AND e.time >= greatest(%(after)s::timestamptz, (SELECT min(first_time) FROM batch_steps "
    " WHERE batch_id = %(b)s::bigint AND biz_step = %(step)s AND site_id = %(site)s "
    " AND location = %(loc)s)) "
    "AND (e.time, e.id) > (%(after)s::timestamptz, %(after_id)s::uuid)"
)
# Each branch ordered and limited on its own (each has an index in time order: the batch's
# scans, the units' scans, the place's scans), then merged.
_STEP_EVENTS = prepared.statement(
    "txng_batch_step_events",
    "SELECT * FROM ("
    f"(SELECT {_COLUMNS}, NULL::text AS via FROM events e JOIN batches b "
    f" ON e.gtin = b.gtin AND e.lot = b.lot WHERE b.id = %(b)s::bigint AND {_STEP_FILTER} "
    " ORDER BY e.time, e.id LIMIT %(limit)s::int) "
    "UNION ALL "
    f"(SELECT {_COLUMNS}, NULL FROM events e WHERE {_STEP_FILTER} AND e.lot IS NULL "
    " AND e.serial IS NOT NULL AND EXISTS (SELECT 1 FROM commissioned_items c "
    "  WHERE c.gtin = e.gtin AND c.serial = e.serial AND c.batch_id = %(b)s::bigint) "
    " AND EXISTS (SELECT 1 FROM commissioned_items c WHERE c.batch_id = %(b)s::bigint) "
    " ORDER BY e.time, e.id LIMIT %(limit)s::int) "
    "UNION ALL "
    f"(SELECT {_COLUMNS}, u.sscc::text FROM unit_contents u JOIN events e ON e.sscc = u.sscc "
    f" AND e.time >= u.packed_at WHERE u.batch_id = %(b)s::bigint AND {_STEP_FILTER} "
    " ORDER BY e.time, e.id LIMIT %(limit)s::int)"
    ") page ORDER BY time, id LIMIT %(limit)s::int",
)
FIRST_ID = "00000000-0000-0000-0000-000000000000"  # before every id: (time, FIRST_ID)


def step_events(
    cur: Cursor, batch_id: int, step: StepKey, *, after: tuple[datetime, str], limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` scans of one step of the batch, in time order, after (time, id) `after`."""
    params = {
        "b": batch_id,
        "step": step.biz_step,
        "site": step.site_id,
        "loc": step.location,
        "after": after[0],
        "after_id": after[1],
        "limit": limit,
    }
    prepared.execute(cur, _STEP_EVENTS, params)
    return fetch_dicts(cur)
