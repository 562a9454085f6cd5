"""SQL of the EPCIS event query: our scans and packings and the captured events, one order.

Our scans are ObjectEvents, except scans that packed batches into a unit (a pack event of
unit_contents), which are AggregationEvents. Each hit is (time, source, ref): source `c` is a
captured event (ref: its row id), `o` one of our scan events (ref: its uuid). Pages follow
(time, source, ref).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.rows.epcis_query import LEAVING_STEPS, EventQuery, PageMark

_PACKS = "EXISTS (SELECT 1 FROM unit_contents u WHERE u.pack_event = e.id)"
_NAMEABLE = "(e.gtin IS NOT NULL OR e.sscc IS NOT NULL OR e.epc_uri IS NOT NULL)"


@dataclass(frozen=True)
class Hit:
    """One event found: where it comes from and how to fetch it."""

    time: datetime
    source: str
    ref: str


def _ours(q: EventQuery, places: list[tuple[str, str]], p: dict[str, Any]) -> str | None:
    """The WHERE clause over our scan events (None: no event of ours can match)."""
    where = [_NAMEABLE]
    types = set(q.event_types)
    if types and not types & {"ObjectEvent", "AggregationEvent"}:
        return None
    if types == {"ObjectEvent"}:
        where.append(f"NOT {_PACKS}")
    elif types == {"AggregationEvent"}:
        where.append(_PACKS)
    if q.biz_steps:
        where.append("e.biz_step = ANY(%(steps)s)")
    if q.biz_locations:
        if not places:
            return None
        p["leaving"] = sorted(LEAVING_STEPS)
        where.append(
            "(e.site_id, e.location) IN (SELECT * FROM unnest(%(place_sites)s::text[], "
            "%(place_codes)s::text[])) AND NOT e.biz_step = ANY(%(leaving)s)"
        )
        p["place_sites"] = [s for s, _ in places]
        p["place_codes"] = [c for _, c in places]
    if q.epcs:
        keys = q.keys(q.epcs)
        p["items_g"] = [k.key for k in keys if k.kind == "sgtin"]
        p["items_s"] = [k.qualifier or "" for k in keys if k.kind == "sgtin"]
        p["units"] = [k.key for k in keys if k.kind == "sscc"]
        p["item_gtins"] = [k.key for k in keys if k.kind == "gtin"]
        p["raw_epcs"] = q.epcs
        where.append(
            "((e.gtin, e.serial) IN (SELECT * FROM unnest(%(items_g)s::bpchar[], "
            "%(items_s)s::text[])) OR e.sscc = ANY(%(units)s::bpchar[]) "
            "OR (e.serial IS NOT NULL AND e.gtin = ANY(%(item_gtins)s::bpchar[])) "
            "OR e.epc_uri = ANY(%(raw_epcs)s))"
        )
    if q.classes:
        keys = q.keys(q.classes)
        p["lots_g"] = [k.key for k in keys if k.kind == "lgtin"]
        p["lots_l"] = [k.qualifier or "" for k in keys if k.kind == "lgtin"]
        p["class_gtins"] = [k.key for k in keys if k.kind == "gtin"]
        lots = "SELECT * FROM unnest(%(lots_g)s::bpchar[], %(lots_l)s::text[])"
        where.append(
            f"((NOT {_PACKS} AND e.sscc IS NULL AND e.serial IS NULL AND "
            f" ((e.gtin, e.lot) IN ({lots}) OR e.gtin = ANY(%(class_gtins)s::bpchar[]))) "
            "OR EXISTS (SELECT 1 FROM unit_contents u JOIN batches b ON b.id = u.batch_id "
            f" WHERE u.pack_event = e.id AND ((b.gtin, b.lot) IN ({lots}) "
            " OR b.gtin = ANY(%(class_gtins)s::bpchar[]))))"
        )
    if q.ge_time:
        where.append("e.time >= %(ge)s")
    if q.lt_time:
        where.append("e.time < %(lt)s")
    return " AND ".join(where)


def _captured(q: EventQuery, site: str | None) -> str:
    where = ["true"]
    if site is not None:
        where.append("c.site_id = %(site)s")
    if q.event_types:
        where.append("c.event_type = ANY(%(types)s)")
    if q.biz_steps:
        where.append("c.biz_step = ANY(%(steps)s)")
    if q.biz_locations:
        where.append("c.biz_location = ANY(%(locations)s)")
    if q.epcs:
        where.append("c.epc_keys && %(epcs)s::text[]")
    if q.classes:
        where.append("c.class_keys && %(classes)s::text[]")
    if q.ge_time:
        where.append("c.event_time >= %(ge)s")
    if q.lt_time:
        where.append("c.event_time < %(lt)s")
    return " AND ".join(where)


def places_with_gln(cur: Cursor, gln: str, extension: str) -> list[tuple[str, str]]:
    """(site, location) of our locations with this GLN and extension (`0`: none)."""
    cur.execute(
        "SELECT site_id, code FROM locations WHERE gln = %s "
        "AND coalesce(nullif(gln_extension, ''), '0') = %s ORDER BY 1, 2",
        (gln, extension),
    )
    return [(row[0], row[1]) for row in cur.fetchall()]


def find_events(
    cur: Cursor,
    q: EventQuery,
    *,
    places: list[tuple[str, str]],
    after: PageMark | None,
    limit: int,
    site: str | None = None,
) -> list[Hit]:
    """Up to `limit` hits after `after`, in (time, source, ref) order.

    `places`: our (site, location) pairs that EQ_bizLocation names (ignored without it).
    `site`: only that site's events and the events captured for it.
    """
    p: dict[str, Any] = {
        "types": q.event_types,
        "steps": q.biz_steps,
        "locations": q.biz_locations,
        "epcs": q.epcs,
        "classes": q.classes,
        "ge": q.ge_time,
        "lt": q.lt_time,
        "limit": limit,
        "site": site,
    }
    branches = [
        f"SELECT c.event_time AS time, 'c' AS source, c.id::text AS ref FROM epcis_events c "
        f"WHERE {_captured(q, site)}"
    ]
    ours = _ours(q, places, p)
    if ours is not None and site is not None:
        ours += " AND e.site_id = %(site)s"
    if ours is not None:
        branches.append(f"SELECT e.time, 'o', e.id::text FROM events e WHERE {ours}")
    mark = ""
    if after is not None:
        p.update(a_time=after.time, a_source=after.source, a_ref=after.ref)
        mark = "WHERE (time, source, ref) > (%(a_time)s, %(a_source)s, %(a_ref)s)"
    cur.execute(
        f"SELECT time, source, ref FROM ({' UNION ALL '.join(branches)}) hits {mark} "
        "ORDER BY time, source, ref LIMIT %(limit)s",
        p,
    )
    return [Hit(*row) for row in cur.fetchall()]
