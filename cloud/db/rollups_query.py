"""SQL that reads stays' readings from the five-minute rollups, exactly.

Each stay [start, end) is read as its whole cells from reading_rollups plus the raw readings
of its two partial edge cells. Cells whose rollups may lag behind the raw readings are read
raw too: those of the time range of the series' cold-chain work still queued. That work row
is inserted in the transaction that stores the readings and deleted in the one that rolls
them up, so in any one snapshot a cell is either rolled up or read raw, never stale.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.rollups_store import WORK_KIND, ceil_cell, floor_cell

_BIN = "date_bin(INTERVAL '5 minutes', {0}, TIMESTAMPTZ '2000-01-03 00:00:00+00')"

# st: the spans with their whole-cell range [lo, hi) and their dirty range [d_lo, d_hi).
# ranges: the time ranges read raw (partial edge cells, dirty cells).
_SPANS = (
    "st AS (SELECT t.idx, t.site_id, t.location, t.s, t.e, t.lo, "
    "  coalesce(t.hi, 'infinity') AS hi, w.key AS dirty, "
    f"  coalesce({_BIN.format('w.from_time')}, '-infinity') AS d_lo, "
    f"  coalesce({_BIN.format('w.to_time')} + INTERVAL '5 minutes', 'infinity') AS d_hi "
    " FROM unnest(%(sites)s::text[], %(locations)s::text[], %(starts)s::timestamptz[], "
    "  %(ends)s::timestamptz[], %(lows)s::timestamptz[], %(highs)s::timestamptz[]) "
    "  WITH ORDINALITY AS t(site_id, location, s, e, lo, hi, idx) "
    " LEFT JOIN work_queue w ON w.kind = %(kind)s "
    "  AND w.key = t.site_id || '|' || t.location || '|' || %(quantity)s), "
    "ranges AS (SELECT idx, site_id, location, s AS a, least(lo, e) AS b FROM st "
    " UNION ALL SELECT idx, site_id, location, greatest(hi, lo), e FROM st WHERE e IS NOT NULL "
    " UNION ALL SELECT idx, site_id, location, greatest(lo, d_lo), least(hi, d_hi) FROM st "
    "  WHERE dirty IS NOT NULL)"
)
# The whole clean cells of span `st` (c: reading_rollups).
_CELLS_OF_ST = (
    "c.site_id = st.site_id AND c.location = st.location AND c.quantity = %(quantity)s "
    "AND c.bucket >= st.lo AND c.bucket < st.hi "
    "AND (st.dirty IS NULL OR c.bucket < st.d_lo OR c.bucket >= st.d_hi)"
)
# The raw readings of range `g` (r: readings).
_RAW_OF_G = (
    "r.site_id = g.site_id AND r.location = g.location AND r.quantity = %(quantity)s "
    "AND r.time >= g.a AND r.time < g.b AND r.quality <> 'suspect'"
)
_CELL_NUMBER = "(date_part('epoch', {0}) / 300)::bigint"  # the grid's origin is on it


@dataclass(frozen=True)
class Span:
    """A time range [start, end) at a place (end None: open)."""

    site_id: str
    location: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Totals:
    """Composable totals of one span's readings."""

    count: int
    min: float | None
    max: float | None
    sum: float | None
    sum_arrhenius: float | None


Bucket = tuple[datetime, datetime, int, float, float, float]  # first, last, count, min/max/mean


def _params(spans: Sequence[Span], quantity: str) -> dict[str, object]:
    return {
        "sites": [s.site_id for s in spans],
        "locations": [s.location for s in spans],
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "lows": [ceil_cell(s.start) for s in spans],
        "highs": [floor_cell(s.end) if s.end is not None else None for s in spans],
        "kind": WORK_KIND,
        "quantity": quantity,
    }


def span_totals(cur: Cursor, spans: Sequence[Span], quantity: str) -> list[Totals]:
    """Count, min, max, sum and Σ Arrhenius terms of the readings of each span, in order."""
    if not spans:
        return []
    cur.execute(
        f"WITH {_SPANS} SELECT c.n, c.lo, c.hi, c.sv, c.sa, r.n, r.lo, r.hi, r.sv, r.sa "
        "FROM st CROSS JOIN LATERAL (SELECT sum(samples) AS n, min(min_value) AS lo, "
        " max(max_value) AS hi, sum(sum_value) AS sv, sum(sum_arrhenius) AS sa "
        f" FROM reading_rollups c WHERE {_CELLS_OF_ST}) c "
        "CROSS JOIN LATERAL (SELECT count(*) AS n, min(r.value) AS lo, max(r.value) AS hi, "
        " sum(r.value) AS sv, sum(exp(-10000.0 / (r.value + 273.15))) AS sa "
        f" FROM ranges g JOIN readings r ON {_RAW_OF_G} WHERE g.idx = st.idx) r "
        "ORDER BY st.idx",
        _params(spans, quantity),
    )
    return [_combine(row[:5], row[5:]) for row in cur.fetchall()]


def _combine(cells: tuple[Any, ...], raw: tuple[Any, ...]) -> Totals:
    n = int(cells[0] or 0) + int(raw[0] or 0)
    if n == 0:
        return Totals(0, None, None, None, None)
    lows = [v for v in (cells[1], raw[1]) if v is not None]
    highs = [v for v in (cells[2], raw[2]) if v is not None]
    return Totals(
        n,
        min(lows),
        max(highs),
        float(cells[3] or 0.0) + float(raw[3] or 0.0),
        float(cells[4] or 0.0) + float(raw[4] or 0.0),
    )


def cell_series(
    cur: Cursor, spans: Sequence[Span], quantity: str, points: int
) -> tuple[int, list[Bucket]]:
    """The spans' readings in at most `points` buckets of whole five-minute cells.

    The cells from the first reading's to the last's are shared out in order, as evenly as
    whole cells allow (bucket i holds cells floor(i·C/points) to floor((i+1)·C/points) - 1);
    empty buckets are left out. Spans must not overlap at one place (a reading counts once).
    Returns C, the number of cells, with the buckets; when C < points the caller should use
    finer buckets than cells.
    """
    if not spans:
        return 0, []
    cur.execute(
        f"WITH {_SPANS}, pieces AS MATERIALIZED ("
        f" SELECT {_CELL_NUMBER.format('c.bucket')} AS cell, c.samples AS n, c.first_time AS f, "
        "  c.last_time AS l, c.min_value AS lo, c.max_value AS hi, c.sum_value AS sv "
        f" FROM st JOIN reading_rollups c ON {_CELLS_OF_ST} "
        f" UNION ALL SELECT {_CELL_NUMBER.format(_BIN.format('r.time'))}, count(*)::int, "
        "  min(r.time), max(r.time), min(r.value), max(r.value), sum(r.value) "
        f" FROM ranges g JOIN readings r ON {_RAW_OF_G} GROUP BY 1), "
        "span AS (SELECT min(cell) AS c0, max(cell) - min(cell) + 1 AS cells FROM pieces) "
        "SELECT span.cells, ((p.cell - span.c0 + 1) * %(points)s - 1) / span.cells AS i, "
        "  min(p.f), max(p.l), sum(p.n), min(p.lo), max(p.hi), sum(p.sv) / sum(p.n) "
        "FROM pieces p, span GROUP BY 1, 2 ORDER BY 2",
        {**_params(spans, quantity), "points": points},
    )
    rows = cur.fetchall()
    if not rows:
        return 0, []
    cells = int(rows[0][0])
    return cells, [(f, last, int(n), lo, hi, mean) for _, _, f, last, n, lo, hi, mean in rows]
