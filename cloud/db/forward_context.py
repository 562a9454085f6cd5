"""SQL of what a forwarded event needs: its location, batches, products and stay summary."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json

from cloud.db.queries import fetch_dicts
from cloud.db.readings_query import StaySummary, stay_summaries


@dataclass(frozen=True)
class BatchContext:
    """One batch an event concerns, with its product (None: the GTIN is not registered)."""

    batch: dict[str, Any]
    product: dict[str, Any] | None


@dataclass(frozen=True)
class EventContext:
    """A queued event with its location and batches, as stored now."""

    event: Mapping[str, Any]
    location: dict[str, Any] | None
    batches: list[BatchContext] = field(default_factory=list)


_BATCH_COLUMNS = (
    "b.id, b.gtin, b.lot, b.production_date, b.expiry_date, b.quantity, b.unit, b.origin_code, "
    "b.site_id"
)
_PRODUCT_COLUMNS = (
    "p.gtin, p.name, p.product_group, p.image_url, p.net_content, p.producer_name, "
    "p.producer_address, p.producer_gln, p.standards, p.shelf_life_days"
)


def event_contexts(cur: Cursor, payloads: Sequence[Mapping[str, Any]]) -> list[EventContext]:
    """The context of each queued event payload (same order), in a few statements."""
    rows = [dict(p) for p in payloads]
    cur.execute(
        "SELECT (e->>'i')::int AS i, l.kind, l.name, l.gln, l.gln_extension, l.latitude, "
        "l.longitude, l.area_code, s.gln AS site_gln, s.name AS site_name, "
        "s.address AS site_address "
        "FROM jsonb_array_elements(%s::jsonb) AS e "
        "LEFT JOIN locations l ON l.site_id = e->>'site' AND l.code = e->>'location' "
        "LEFT JOIN sites s ON s.id = e->>'site'",
        (
            Json(
                [
                    {"i": i, "site": p.get("site"), "location": p.get("location")}
                    for i, p in enumerate(rows)
                ]
            ),
        ),
    )
    locations = {row.pop("i"): row for row in fetch_dicts(cur)}
    cur.execute(
        f"SELECT (e->>'i')::int AS i, k.gtin AS key_gtin, k.lot AS key_lot, {_BATCH_COLUMNS}, "
        f"{_PRODUCT_COLUMNS} FROM jsonb_array_elements(%s::jsonb) AS e "
        "CROSS JOIN LATERAL ("
        "  SELECT e->>'gtin' AS gtin, e->>'lot' AS lot "
        "   WHERE e->>'gtin' IS NOT NULL AND e->>'lot' IS NOT NULL "
        "  UNION SELECT b1.gtin::text, b1.lot FROM commissioned_items c "
        "   JOIN batches b1 ON b1.id = c.batch_id "
        "   WHERE c.gtin = e->>'gtin' AND c.serial = e->>'serial' "
        "  UNION SELECT b1.gtin::text, b1.lot FROM unit_contents u "
        "   JOIN batches b1 ON b1.id = u.batch_id "
        "   WHERE u.sscc = e->>'sscc' AND u.packed_at <= (e->>'time')::timestamptz) AS k "
        "LEFT JOIN batches b ON b.gtin = k.gtin AND b.lot = k.lot "
        "LEFT JOIN products p ON p.gtin = k.gtin ORDER BY i, k.gtin, k.lot",
        (Json([{"i": i, **p} for i, p in enumerate(rows)]),),
    )
    found: dict[int, list[BatchContext]] = {}
    for row in fetch_dicts(cur):
        row["gtin"], row["lot"] = row["key_gtin"], row["key_lot"]
        batch = {
            k: row[k]
            for k in (
                "id",
                "gtin",
                "lot",
                "production_date",
                "expiry_date",
                "quantity",
                "unit",
                "origin_code",
                "site_id",
            )
        }
        product = (
            None
            if row["name"] is None
            else {
                k: row[k]
                for k in (
                    "gtin",
                    "name",
                    "product_group",
                    "image_url",
                    "net_content",
                    "producer_name",
                    "producer_address",
                    "producer_gln",
                    "standards",
                    "shelf_life_days",
                )
            }
        )
        found.setdefault(row["i"], []).append(BatchContext(batch, product))
    return [
        EventContext(event=p, location=locations.get(i), batches=found.get(i, []))
        for i, p in enumerate(rows)
    ]


def stay_summaries_of(cur: Cursor, batch_ids: Sequence[int]) -> dict[int, list[StaySummary]]:
    """Each batch's stays with their reading summaries."""
    return {batch_id: stay_summaries(cur, batch_id) for batch_id in sorted(set(batch_ids))}


def stay_at(
    summaries: Sequence[StaySummary], *, site: str, location: str, at: datetime
) -> StaySummary | None:
    """The stay at this place that an event at `at` opened, closed or fell in (latest start).

    An event that closes a stay (shipping) gets the whole stay; one that opens it (storing)
    gets what is known when it is sent.
    """
    best: StaySummary | None = None
    for summary in summaries:
        stay = summary.stay
        if stay.site_id != site or stay.location != location or stay.start > at:
            continue
        if stay.end is not None and stay.end < at:
            continue
        if best is None or stay.start > best.stay.start:
            best = summary
    return best


def stay_summary_at(
    cur: Cursor, *, batch_id: int, site: str, location: str, at: datetime
) -> StaySummary | None:
    """The batch's stay at this place that an event at `at` opened, closed or fell in."""
    return stay_at(stay_summaries(cur, batch_id), site=site, location=location, at=at)


def pending_work(
    cur: Cursor, wanted: Sequence[tuple[str, str, datetime | None]]
) -> set[tuple[str, str]]:
    """Which of the (kind, key) derived-work items still wait in the queue.

    With a time, only work that concerns that time or earlier counts (a queued range that
    starts later does not change what was derived up to then).
    """
    if not wanted:
        return set()
    cur.execute(
        "SELECT DISTINCT w.kind, w.key FROM work_queue w JOIN jsonb_to_recordset(%s::jsonb) "
        "AS x(kind text, key text, until timestamptz) ON w.kind = x.kind AND w.key = x.key "
        "WHERE x.until IS NULL OR w.from_time IS NULL OR w.from_time <= x.until",
        (
            Json(
                [
                    {"kind": k, "key": key, "until": until.isoformat() if until else None}
                    for k, key, until in wanted
                ]
            ),
        ),
    )
    return {(str(kind), str(key)) for kind, key in cur.fetchall()}


def growing_areas(cur: Cursor, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The farm plot of each growing-area code, with its site (the producer)."""
    if not codes:
        return {}
    cur.execute(
        "SELECT DISTINCT ON (l.area_code) l.area_code, l.name, l.gln, l.latitude, l.longitude, "
        "s.name AS site_name, s.gln AS site_gln, s.address AS site_address FROM locations l "
        "JOIN sites s ON s.id = l.site_id WHERE l.area_code = ANY(%s) "
        "ORDER BY l.area_code, l.site_id, l.code",
        (list(codes),),
    )
    return {row["area_code"]: row for row in fetch_dicts(cur)}


def certificates_of(
    cur: Cursor, batches: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The certificates valid when each batch was made: its product's and its growing area's."""
    cur.execute(
        "SELECT x.gtin AS batch_gtin, x.lot AS batch_lot, c.id, c.kind, c.number, c.issuer, "
        "c.issued_on, c.valid_until, c.image_url FROM jsonb_to_recordset(%s::jsonb) "
        "AS x(gtin text, lot text, origin_code text, made date) JOIN certificates c "
        "ON c.gtin = x.gtin OR (c.location IS NOT NULL AND EXISTS (SELECT 1 FROM locations l "
        " WHERE l.site_id = c.site_id AND l.code = c.location AND l.area_code = x.origin_code)) "
        "WHERE (x.made IS NULL OR ((c.issued_on IS NULL OR c.issued_on <= x.made) "
        " AND (c.valid_until IS NULL OR c.valid_until >= x.made))) ORDER BY c.id",
        (
            Json(
                [
                    {
                        "gtin": b["gtin"],
                        "lot": b["lot"],
                        "origin_code": b.get("origin_code"),
                        "made": b["production_date"].isoformat()
                        if b.get("production_date")
                        else None,
                    }
                    for b in batches
                ]
            ),
        ),
    )
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in fetch_dicts(cur):
        key = (row.pop("batch_gtin"), row.pop("batch_lot"))
        found.setdefault(key, []).append(row)
    return found


PhotoKey = tuple[str, str, str, str, str]  # gtin, lot, site, location, business step


def photos_of(cur: Cursor, keys: Sequence[PhotoKey]) -> dict[PhotoKey, list[dict[str, Any]]]:
    """The photos of each (batch, place, business step)."""
    if not keys:
        return {}
    cur.execute(
        "SELECT p.id, p.gtin::text AS gtin, p.lot, p.site_id, p.location, p.biz_step, "
        "p.image_url, p.caption, p.taken_at FROM step_photos p "
        "JOIN jsonb_to_recordset(%s::jsonb) AS x(gtin text, lot text, site text, location text, "
        " step text) ON p.gtin = x.gtin AND p.lot = x.lot AND p.site_id = x.site "
        " AND p.location = x.location AND p.biz_step = x.step ORDER BY p.id",
        (
            Json(
                [
                    dict(zip(("gtin", "lot", "site", "location", "step"), key, strict=True))
                    for key in set(keys)
                ]
            ),
        ),
    )
    found: dict[PhotoKey, list[dict[str, Any]]] = {}
    for row in fetch_dicts(cur):
        key = (row["gtin"], row["lot"], row["site_id"], row["location"], row["biz_step"])
        found.setdefault(key, []).append(row)
    return found
