"""SQL of what a forwarded event needs: its location, batches, products and stay summary."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json

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


def _dicts(cur: Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def event_contexts(cur: Cursor, payloads: Sequence[Mapping[str, Any]]) -> list[EventContext]:
    """The context of each queued event payload (same order), in a few statements."""
    rows = [dict(p) for p in payloads]
    cur.execute(
        "SELECT (e->>'i')::int AS i, l.kind, l.name, l.gln, l.gln_extension, "
        "s.gln AS site_gln, s.name AS site_name "
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
    locations = {row.pop("i"): row for row in _dicts(cur)}
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
    for row in _dicts(cur):
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
