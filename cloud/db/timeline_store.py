"""SQL of a batch's timeline and recall: header, events, alerts, inputs, units and places."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.forward_store import EVENT
from cloud.db.queries import fetch_dict, fetch_dicts


def find_batch(cur: Cursor, gtin: str, lot: str) -> int | None:
    """The id of batch (gtin, lot), if it exists."""
    cur.execute("SELECT id FROM batches WHERE gtin = %s AND lot = %s", (gtin, lot))
    row = cur.fetchone()
    return int(row[0]) if row else None


# A batch's header: its own columns, then its product's (each column's name: where from).
_BATCH_HEADER = (
    "id", "gtin", "lot", "verified", "source", "production_date", "pack_date", "expiry_date",
    "origin_code", "site_id", "quantity", "unit", "first_seen",
)
_PRODUCT_HEADER = {
    "product_name": "name",
    "producer_name": "producer_name",
    "producer_address": "producer_address",
    "ocop_stars": "ocop_stars",
}
HEADER_COLUMNS = (*_BATCH_HEADER, *_PRODUCT_HEADER)
HEADER_SQL = (
    "SELECT "
    + ", ".join(
        [f"b.{c}" for c in _BATCH_HEADER]
        + [f"p.{source} AS {name}" for name, source in _PRODUCT_HEADER.items()]
    )
    + " FROM batches b LEFT JOIN products p ON p.gtin = b.gtin WHERE b.id = %(b)s::bigint"
)


def batch_events_sql(*, codes: bool = False) -> str:
    """SQL: the events naming batch %(b)s, each with `via`, the unit it was scanned in.

    Its own scans (GTIN + lot, or a serial commissioned into it) and the scans of the
    logistic units it was packed into, from the time it was packed. `codes`: with the serial
    and the SSCC each scan names (the timeline does without them: a narrower CTE).
    """
    own, unit = (", e.serial, e.sscc::text AS sscc", ", NULL, u.sscc::text") if codes else ("", "")
    return (
        "SELECT e.time, e.id::text AS id, e.site_id, e.location, e.biz_step, e.device_id, "
        f" e.reader, NULL::text AS via{own} FROM events e JOIN batches b ON e.gtin = b.gtin "
        " AND e.lot = b.lot WHERE b.id = %(b)s::bigint "
        "UNION ALL "
        "SELECT e.time, e.id::text, e.site_id, e.location, e.biz_step, e.device_id, e.reader, "
        f" NULL{own.replace(' AS sscc', '')} FROM events e JOIN commissioned_items c "
        " ON e.gtin = c.gtin AND e.serial = c.serial WHERE c.batch_id = %(b)s::bigint "
        " AND e.lot IS NULL "
        "UNION ALL "
        "SELECT e.time, e.id::text, e.site_id, e.location, e.biz_step, e.device_id, e.reader, "
        f" u.sscc::text{unit} FROM unit_contents u JOIN events e ON e.sscc = u.sscc "
        " AND e.time >= u.packed_at WHERE u.batch_id = %(b)s::bigint"
    )


BATCH_EVENTS_SQL = batch_events_sql()
ALERTS_SQL = (
    "SELECT id, kind, severity, state, site_id, location, started_at, ended_at FROM alerts "
    "WHERE batch_ids @> ARRAY[%(b)s::bigint]::bigint[] ORDER BY started_at, id"
)
_FORWARDING_SQL = (
    "SELECT o.destination, o.state, count(*) AS events, max(o.sent_at) AS sent_at, "
    " coalesce(array_agg(DISTINCT o.missing_field) "
    "  FILTER (WHERE o.missing_field IS NOT NULL), '{{}}') AS missing "
    "FROM forward_destinations d JOIN forward_outbox o ON o.destination = d.name "
    " AND o.kind = %(kind)s::text AND o.key = ANY({keys}) "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
# One step back (inputs: near = batch_id) or forward (near = input_batch_id) of `ids`.
LINKED_SQL = (
    "SELECT x.{near} AS from_id, b.id, b.gtin, b.lot, b.production_date, b.origin_code, "
    "b.quantity FROM batch_inputs x JOIN batches b ON b.id = x.{far} "
    "WHERE x.{near} = ANY({ids}) ORDER BY b.id"
)
# Captured EPCIS events naming the batch, with the site they were captured for and whether that
# site asserts them itself or passes on a partner's.
CAPTURED_SQL = (
    "SELECT c.event_time AS time, c.event_id AS id, c.site_id, c.biz_step, c.asserted_by, "
    "coalesce(c.biz_location, c.read_point) AS place FROM epcis_event_batches x "
    "JOIN epcis_events c ON c.id = x.epcis_event WHERE x.batch_id = %(b)s::bigint"
)
UNITS_SQL = (
    "SELECT batch_id, sscc, packed_at, site_id FROM unit_contents WHERE batch_id = ANY({ids}) "
    "ORDER BY packed_at, sscc"
)
LINKS = {True: ("batch_id", "input_batch_id"), False: ("input_batch_id", "batch_id")}


def json_rows(sql: str, order: str) -> str:
    """SQL: the rows of `sql` as one JSON array in `order` (of columns r.…; empty: [])."""
    return f"(SELECT coalesce(json_agg(r ORDER BY {order}), '[]') FROM ({sql}) r)"


_ONE = "ARRAY[%(b)s::bigint]"
_BACK, _FORTH = (LINKED_SQL.format(near=n, far=f, ids=_ONE) for n, f in LINKS.values())
_FACTS = prepared.statement(
    "txng_timeline_facts",
    f"WITH ev AS ({BATCH_EVENTS_SQL}) SELECT (SELECT row_to_json(h) FROM ({HEADER_SQL}) h), "
    + ", ".join(
        (
            json_rows("SELECT time, id, site_id, location, biz_step, via FROM ev", "r.time, r.id"),
            json_rows(ALERTS_SQL, "r.started_at, r.id"),
            json_rows(_BACK, "r.id"),
            json_rows(_FORTH, "r.id"),
            json_rows(UNITS_SQL.format(ids=_ONE), "r.packed_at, r.sscc"),
            json_rows(
                _FORWARDING_SQL.format(keys="ARRAY(SELECT id FROM ev)"),
                "r.destination, r.state",
            ),
            json_rows(CAPTURED_SQL, "r.time, r.id"),
        )
    ),
)


def forwarding_of(cur: Cursor, event_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Forwarding per destination and state of these events only (as timeline_facts has it)."""
    sql = _FORWARDING_SQL.format(keys="%(keys)s::text[]")
    cur.execute(
        f"SELECT {json_rows(sql, 'r.destination, r.state')}",
        {"keys": list(event_ids), "kind": EVENT},
    )
    row = cur.fetchone()
    return list(row[0]) if row else []


@dataclass(frozen=True)
class TimelineFacts:
    """What a timeline shows besides conditions, as JSON values (times as ISO 8601 text)."""

    header: dict[str, Any]
    events: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    units: list[dict[str, Any]]
    forwarding: list[dict[str, Any]]
    captured: list[dict[str, Any]]


def timeline_facts(cur: Cursor, batch_id: int) -> TimelineFacts | None:
    """Header, events, alerts, one step back and forward, units, forwarding, captured events."""
    prepared.execute(cur, _FACTS, {"b": batch_id, "kind": EVENT})
    row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    return TimelineFacts(*row)


_BATCH_FORWARDING = prepared.statement(
    "txng_batch_forwarding",
    f"WITH ev AS ({BATCH_EVENTS_SQL}) "
    + _FORWARDING_SQL.format(
        keys="ARRAY(SELECT id FROM ev WHERE %(site)s::text IS NULL OR site_id = %(site)s::text)"
    ),
)


def batch_forwarding(cur: Cursor, batch_id: int, *, site: str | None) -> list[dict[str, Any]]:
    """Per destination and state: the batch's events (`site`'s only), last sent, missing fields."""
    prepared.execute(cur, _BATCH_FORWARDING, {"b": batch_id, "kind": EVENT, "site": site})
    return fetch_dicts(cur)


def batch_header(cur: Cursor, batch_id: int) -> dict[str, Any] | None:
    """The batch with its product's name and producer (None: no such batch)."""
    cur.execute(HEADER_SQL, {"b": batch_id})
    return fetch_dict(cur)


BatchRow = tuple[int, int, str, str, date | None, str | None, Decimal | None]


def batches_linked(cur: Cursor, batch_ids: Sequence[int], *, inputs: bool) -> list[BatchRow]:
    """(from id, batch id, gtin, lot, production date, origin, quantity) one step away.

    inputs=True: what each batch was made from; False: what was made from each batch.
    """
    near, far = LINKS[inputs]
    cur.execute(
        LINKED_SQL.format(near=near, far=far, ids="%(ids)s::bigint[]"), {"ids": list(batch_ids)}
    )
    return [tuple(row) for row in cur.fetchall()]


def units_of(cur: Cursor, batch_ids: Sequence[int]) -> list[tuple[int, str, datetime, str]]:
    """(batch id, SSCC, packed at, site) of the logistic units the batches were packed into."""
    cur.execute(UNITS_SQL.format(ids="%(ids)s::bigint[]"), {"ids": list(batch_ids)})
    return [tuple(row) for row in cur.fetchall()]


def contents_of(cur: Cursor, ssccs: Sequence[str]) -> list[tuple[str, int, str, str]]:
    """(SSCC, batch id, gtin, lot) of what the units contain."""
    cur.execute(
        "SELECT u.sscc, b.id, b.gtin, b.lot FROM unit_contents u JOIN batches b "
        "ON b.id = u.batch_id WHERE u.sscc = ANY(%s::bpchar[]) ORDER BY u.sscc, b.id",
        (list(ssccs),),
    )
    return [tuple(row) for row in cur.fetchall()]


PlaceRow = tuple[int | None, str | None, str, str, datetime, datetime | None, str | None]


def places_of(cur: Cursor, batch_ids: Sequence[int], ssccs: Sequence[str]) -> list[PlaceRow]:
    """(batch id, SSCC, site, location, start, end, via SSCC) of every stay of batches and units.

    Batch stays include those in units (via SSCC); unit stays are the units' own.
    """
    cur.execute(
        "SELECT batch_id, NULL::text, site_id, location, start_time, end_time, via_sscc::text "
        "FROM batch_presence WHERE batch_id = ANY(%(b)s) "
        "UNION ALL SELECT NULL, sscc::text, site_id, location, start_time, end_time, NULL "
        "FROM presence WHERE sscc = ANY(%(u)s::bpchar[]) ORDER BY 5, 1, 2",
        {"b": list(batch_ids), "u": list(ssccs)},
    )
    return [tuple(row) for row in cur.fetchall()]
