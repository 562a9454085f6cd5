"""SQL of captured EPCIS documents: store events (once per eventID), link them to batches."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json

from cloud.db.presence_store import ensure_batch
from cloud.db.rows.epcis_query import CapturedEvent


@dataclass(frozen=True)
class CaptureReport:
    """What one capture stored: events new to us, events already known (resent), batches."""

    capture_id: uuid.UUID
    received_at: datetime
    stored: int
    duplicates: int
    batch_ids: list[int]


def _batch(cur: Cursor, gtin: str, lot: str) -> int:
    """Batch (gtin, lot), created unverified from EPCIS when we do not know it yet."""
    return ensure_batch(cur, gtin, lot, source="epcis")


def _linked_batches(cur: Cursor, described: CapturedEvent) -> set[int]:
    found = {_batch(cur, gtin, lot) for gtin, lot in described.lots}
    if described.items:
        cur.execute(
            "SELECT DISTINCT batch_id FROM commissioned_items WHERE (gtin, serial) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            ([g for g, _ in described.items], [s for _, s in described.items]),
        )
        found.update(int(r[0]) for r in cur.fetchall())
    if described.units:
        cur.execute(
            "SELECT DISTINCT batch_id FROM unit_contents WHERE sscc = ANY(%s::bpchar[])",
            (described.units,),
        )
        found.update(int(r[0]) for r in cur.fetchall())
    return found


def store_capture(
    cur: Cursor,
    *,
    document_text: str,
    document: dict[str, Any],
    events: Sequence[tuple[dict[str, Any], CapturedEvent, str]],
    site: str,
    captured_by: str,
) -> CaptureReport:
    """Store a document captured for `site` and its (event, index, asserted by) once each."""
    capture_id = uuid.uuid4()
    cur.execute(
        "INSERT INTO epcis_captures (id, document_id, sender, context, document, event_count, "
        "site_id, captured_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING received_at",
        (
            str(capture_id),
            document.get("id"),
            document.get("sender"),
            Json(document.get("@context")),
            document_text,
            len(events),
            site,
            captured_by,
        ),
    )
    row = cur.fetchone()
    assert row is not None
    stored = duplicates = 0
    batch_ids: set[int] = set()
    for position, (event, d, asserted_by) in enumerate(events):
        cur.execute(
            "INSERT INTO epcis_events (capture_id, position, event_id, event_hash, event_type, "
            "event_time, action, biz_step, disposition, read_point, biz_location, epc_keys, "
            "class_keys, event, site_id, asserted_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_hash) DO NOTHING RETURNING id",
            (
                str(capture_id),
                position,
                d.event_id,
                d.digest,
                d.event_type,
                d.event_time,
                d.action,
                d.biz_step,
                d.disposition,
                d.read_point,
                d.biz_location,
                d.epc_keys,
                d.class_keys,
                Json(event),
                site,
                asserted_by,
            ),
        )
        inserted = cur.fetchone()
        if inserted is None:
            duplicates += 1
            continue
        stored += 1
        linked = _linked_batches(cur, d)
        for batch_id in sorted(linked):
            cur.execute(
                "INSERT INTO epcis_event_batches (epcis_event, batch_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (inserted[0], batch_id),
            )
        for (out_gtin, out_lot), (in_gtin, in_lot) in d.made:
            cur.execute(
                "INSERT INTO batch_inputs (batch_id, input_batch_id, source) "
                "VALUES (%s, %s, 'epcis') ON CONFLICT DO NOTHING",
                (_batch(cur, out_gtin, out_lot), _batch(cur, in_gtin, in_lot)),
            )
        batch_ids.update(linked)
    return CaptureReport(capture_id, row[0], stored, duplicates, sorted(batch_ids))


def capture_report(cur: Cursor, capture_id: str, *, site: str | None) -> dict[str, Any] | None:
    """A stored capture's id, time, document id and event count (None: unknown, or not `site`'s)."""
    cur.execute(
        "SELECT id::text, received_at, document_id, event_count FROM epcis_captures "
        "WHERE id::text = %s AND (%s::text IS NULL OR site_id = %s)",
        (capture_id, site, site),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return {"id": row[0], "received_at": row[1], "document_id": row[2], "event_count": row[3]}


def known_sites(cur: Cursor, sites: set[str]) -> set[str]:
    """Which of `sites` exist."""
    if not sites:
        return set()
    cur.execute("SELECT id FROM sites WHERE id = ANY(%s)", (sorted(sites),))
    return {row[0] for row in cur.fetchall()}


def batch_sites(cur: Cursor, described: CapturedEvent) -> set[str | None]:
    """The producing sites of the known batches an event names (None: made by no site of ours)."""
    cur.execute(
        "SELECT b.site_id FROM batches b WHERE (b.gtin, b.lot) IN "
        " (SELECT * FROM unnest(%(lg)s::bpchar[], %(ll)s::text[])) "
        "UNION SELECT b.site_id FROM commissioned_items c JOIN batches b ON b.id = c.batch_id "
        " WHERE (c.gtin, c.serial) IN (SELECT * FROM unnest(%(ig)s::bpchar[], %(is)s::text[])) "
        "UNION SELECT b.site_id FROM unit_contents u JOIN batches b ON b.id = u.batch_id "
        " WHERE u.sscc = ANY(%(units)s::bpchar[])",
        {
            "lg": [g for g, _ in described.lots],
            "ll": [lot for _, lot in described.lots],
            "ig": [g for g, _ in described.items],
            "is": [s for _, s in described.items],
            "units": described.units,
        },
    )
    return {row[0] for row in cur.fetchall()}


def made_batch_sites(cur: Cursor, described: CapturedEvent) -> list[tuple[str, str, str | None]]:
    """(gtin, lot, producing site) of the known batches a transformation says it made."""
    outputs = sorted({out for out, _ in described.made})
    if not outputs:
        return []
    cur.execute(
        "SELECT gtin, lot, site_id FROM batches WHERE (gtin, lot) IN "
        "(SELECT * FROM unnest(%s::bpchar[], %s::text[])) ORDER BY 1, 2",
        ([g for g, _ in outputs], [lot for _, lot in outputs]),
    )
    return [(row[0], row[1], row[2]) for row in cur.fetchall()]
