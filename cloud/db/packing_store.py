"""SQL of packing in presence: units packed into units, and when the units packed into left."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.rows.presence import Departure, ReaderScan

_DEPARTURES = (
    "SELECT u.packed_at, p.site_id, p.location, p.end_time, p.close_event FROM {table} u "
    "JOIN presence p ON p.sscc = u.{unit} AND p.start_time <= u.packed_at "
    " AND (p.end_time IS NULL OR p.end_time > u.packed_at) "
    "WHERE u.{subject} = %s"
)


def _departures(cur: Cursor) -> list[Departure]:
    return [
        Departure(at, site, location, left, UUID(str(event)) if event else None)
        for at, site, location, left, event in cur.fetchall()
    ]


def batch_departures(cur: Cursor, batch_id: int) -> list[Departure]:
    """The units the batch was packed into: where each was then, and when it left that place."""
    cur.execute(
        _DEPARTURES.format(table="unit_contents", unit="sscc", subject="batch_id"), (batch_id,)
    )
    return _departures(cur)


def unit_departures(cur: Cursor, sscc: str) -> list[Departure]:
    """The units `sscc` was packed into: where each was then, and when it left that place."""
    cur.execute(_DEPARTURES.format(table="unit_parents", unit="parent", subject="sscc"), (sscc,))
    return _departures(cur)


def packing_scans(cur: Cursor, sscc: str) -> list[tuple[str, str, str, int, datetime, str]]:
    """(site, device, reader, seq, time, event id) of the unit's scans at packing."""
    cur.execute(
        "SELECT site_id, device_id, reader, seq, time, id::text FROM events "
        "WHERE sscc = %s AND biz_step = 'packing' ORDER BY time, seq",
        (sscc,),
    )
    return [tuple(row) for row in cur.fetchall()]


def reader_scans_before(
    cur: Cursor, site: str, device: str, reader: str, seq: int, since: datetime, limit: int
) -> list[ReaderScan]:
    """Up to `limit` of the reader's packing scans before `seq` and after `since`, newest first."""
    cur.execute(
        "SELECT seq, time, sscc, id FROM events WHERE site_id = %s AND device_id = %s "
        "AND reader = %s AND biz_step = 'packing' AND seq < %s AND time > %s "
        "ORDER BY seq DESC LIMIT %s",
        (site, device, reader, seq, since, limit),
    )
    return [ReaderScan(int(s), t, code, UUID(str(i))) for s, t, code, i in cur.fetchall()]


def replace_unit_parents(
    cur: Cursor, parent: str, children: Sequence[tuple[str, datetime, str, str]]
) -> set[str]:
    """Replace the units packed into `parent`: (child SSCC, packed at, pack event id, site).

    Returns the children it had before. A child that holds `parent` itself is left out.
    """
    cur.execute("DELETE FROM unit_parents WHERE parent = %s RETURNING sscc", (parent,))
    before = {row[0] for row in cur.fetchall()}
    earliest: dict[str, tuple[str, datetime, str, str]] = {}
    for entry in children:
        if entry[0] not in earliest or entry[1] < earliest[entry[0]][1]:
            earliest[entry[0]] = entry
    cur.execute(
        "SELECT parent FROM unit_parents WHERE sscc = %s AND parent = ANY(%s::bpchar[])",
        (parent, list(earliest)),
    )
    for (holds_parent,) in cur.fetchall():
        earliest.pop(holds_parent.strip(), None)
    if earliest:
        execute_values(
            cur,
            "INSERT INTO unit_parents (sscc, parent, packed_at, pack_event, site_id) VALUES %s",
            [(c, parent, at, event, site) for c, at, event, site in earliest.values()],
        )
    return before


def batch_keys(cur: Cursor, batch_ids: Sequence[int]) -> list[tuple[str, str]]:
    """(gtin, lot) of batches by id."""
    cur.execute(
        "SELECT gtin, lot FROM batches WHERE id = ANY(%s::bigint[]) ORDER BY id", (list(batch_ids),)
    )
    return [(gtin, lot) for gtin, lot in cur.fetchall()]
