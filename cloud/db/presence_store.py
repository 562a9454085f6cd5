"""SQL of batches' and units' presence, unit contents, and batch creation on first sight."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.rows.presence import EventFact, Interval
from contract import BizStep

_FACT_COLUMNS = "e.time, e.seq, e.id, e.site_id, e.location, e.biz_step"


def _facts(rows: Sequence[tuple]) -> list[EventFact]:  # type: ignore[type-arg]
    return [EventFact(t, seq, i, site, loc, BizStep(step)) for t, seq, i, site, loc, step in rows]


def ensure_batch(cur: Cursor, gtin: str, lot: str, *, source: str = "scan") -> int:
    """The id of batch (gtin, lot), created unverified (from `source`) if it is new."""
    cur.execute(
        "INSERT INTO batches (gtin, lot, verified, source, first_seen) "
        "VALUES (%s, %s, false, %s, CASE WHEN %s = 'scan' THEN NULL ELSE now() END) "
        "ON CONFLICT (gtin, lot) DO NOTHING RETURNING id",
        (gtin, lot, source, source),
    )
    row = cur.fetchone()
    if row is None:
        cur.execute("SELECT id FROM batches WHERE gtin = %s AND lot = %s", (gtin, lot))
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def batch_of_item(cur: Cursor, gtin: str, serial: str) -> int | None:
    """The batch a serialised item was commissioned into, if it was."""
    cur.execute(
        "SELECT batch_id FROM commissioned_items WHERE gtin = %s AND serial = %s", (gtin, serial)
    )
    row = cur.fetchone()
    return int(row[0]) if row else None


def batch_events(cur: Cursor, batch_id: int) -> list[EventFact]:
    """Events that name the batch: by GTIN + lot, or by a serial commissioned into it."""
    cur.execute(
        f"SELECT {_FACT_COLUMNS} FROM events e JOIN batches b "
        " ON e.gtin = b.gtin AND e.lot = b.lot WHERE b.id = %(id)s "
        f"UNION ALL SELECT {_FACT_COLUMNS} FROM events e JOIN commissioned_items c "
        " ON e.gtin = c.gtin AND e.serial = c.serial "
        " WHERE c.batch_id = %(id)s AND e.lot IS NULL",
        {"id": batch_id},
    )
    return _facts(cur.fetchall())


def unit_events(cur: Cursor, sscc: str) -> list[EventFact]:
    """Events that name the logistic unit."""
    cur.execute(f"SELECT {_FACT_COLUMNS} FROM events e WHERE e.sscc = %s", (sscc,))
    return _facts(cur.fetchall())


def replace_presence(
    cur: Cursor,
    *,
    batch_id: int | None = None,
    sscc: str | None = None,
    intervals: Sequence[Interval],
) -> bool:
    """Replace every interval of one batch or one unit with `intervals`; whether they changed."""
    column, value = ("batch_id", batch_id) if batch_id is not None else ("sscc", sscc)
    cur.execute(
        f"DELETE FROM presence WHERE {column} = %s RETURNING site_id, location, start_time, "
        "end_time, open_event::text, close_event::text",
        (value,),
    )
    before = Counter(tuple(row) for row in cur.fetchall())
    after = Counter(
        (
            i.site,
            i.location,
            i.start,
            i.end,
            str(i.open_event),
            str(i.close_event) if i.close_event else None,
        )
        for i in intervals
    )
    if intervals:
        execute_values(
            cur,
            f"INSERT INTO presence ({column}, site_id, location, start_time, end_time, "
            "open_event, close_event) VALUES %s",
            [
                (
                    value,
                    i.site,
                    i.location,
                    i.start,
                    i.end,
                    str(i.open_event),
                    str(i.close_event) if i.close_event else None,
                )
                for i in intervals
            ],
        )
    return before != after


def label_contents(cur: Cursor, sscc: str) -> list[tuple[str, str, datetime, str, str]]:
    """(gtin, lot, time, event id, site) of logistic labels: SSCC with content GTIN (AI 02)."""
    cur.execute(
        "SELECT identifiers->'other'->>'02', lot, time, id::text, site_id FROM events "
        "WHERE sscc = %s AND lot IS NOT NULL AND identifiers->'other' ? '02'",
        (sscc,),
    )
    return [tuple(row) for row in cur.fetchall()]


def reader_packing_contents(
    cur: Cursor, sscc: str
) -> list[tuple[str | None, str | None, str | None, datetime, str, str]]:
    """(gtin, lot, serial, time, event id, site) of the scans packed into `sscc` on a line.

    Convention of a packing line: at business step `packing`, the batch or item scans a reader
    makes between two SSCC scans go into the unit of the second SSCC scan.
    """
    cur.execute(
        """
        SELECT s.gtin, s.lot, s.serial, c.time, c.id::text, c.site_id
          FROM events c
          CROSS JOIN LATERAL (
                SELECT max(p.seq) AS after_seq FROM events p
                 WHERE p.site_id = c.site_id AND p.device_id = c.device_id
                   AND p.reader = c.reader AND p.biz_step = 'packing'
                   AND p.sscc IS NOT NULL AND p.seq < c.seq
                   AND p.time > c.time - interval '7 days') w
          JOIN events s
            ON s.site_id = c.site_id AND s.device_id = c.device_id AND s.reader = c.reader
           AND s.biz_step = 'packing' AND s.sscc IS NULL AND s.gtin IS NOT NULL
           AND s.seq < c.seq AND s.seq > coalesce(w.after_seq, -1)
           AND s.time > c.time - interval '7 days' AND s.time <= c.time
         WHERE c.sscc = %(sscc)s AND c.biz_step = 'packing'
        """,
        {"sscc": sscc},
    )
    return [tuple(row) for row in cur.fetchall()]


def packing_units_after(
    cur: Cursor, site: str, device: str, reader: str, since: datetime
) -> list[str]:
    """SSCCs packed on a reader at or after `since` (their contents may need re-deriving)."""
    cur.execute(
        "SELECT DISTINCT sscc FROM events WHERE site_id = %s AND device_id = %s AND reader = %s "
        "AND biz_step = 'packing' AND sscc IS NOT NULL AND time >= %s "
        "AND time < %s + interval '7 days'",
        (site, device, reader, since, since),
    )
    return [row[0] for row in cur.fetchall()]


def replace_unit_contents(
    cur: Cursor, sscc: str, contents: Sequence[tuple[int, datetime, str, str]]
) -> list[int]:
    """Replace what unit `sscc` contains: (batch id, packed at, pack event id, site).

    Returns the batches it held before.
    """
    cur.execute("DELETE FROM unit_contents WHERE sscc = %s RETURNING batch_id", (sscc,))
    before = [int(row[0]) for row in cur.fetchall()]
    earliest: dict[int, tuple[int, datetime, str, str]] = {}
    for entry in contents:
        if entry[0] not in earliest or entry[1] < earliest[entry[0]][1]:
            earliest[entry[0]] = entry
    if earliest:
        execute_values(
            cur,
            "INSERT INTO unit_contents (sscc, batch_id, packed_at, pack_event, site_id) VALUES %s",
            [(sscc, b, at, event, site) for b, at, event, site in earliest.values()],
        )
    return before
