"""SQL that reads stays' readings from the rollups, exactly.

A series reads a stay [start, end) at one rollup level of width W (5 min to 1 day): its whole
W cells, the whole five-minute cells of its two partial W cells, and the raw readings of its
two partial five-minute cells. Totals read a cascade: whole days, whole hours of the partial
days, whole five-minute cells of the partial hours, raw readings of the rest. The time range
of the series' cold-chain work still queued is read raw: that work row is inserted in the
transaction that stores the readings and deleted in the one that rolls them up, so in any one
snapshot a cell is either rolled up or read raw, never stale.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.json_sql import point_json_sql
from cloud.db.mkt import arrhenius_sql
from cloud.db.rollups_store import COARSE_WIDTHS_S, GRID_ORIGIN_SQL, ROLLUP_WORK, LocationKey
from cloud.db.work_queue import key_sql

FINE_WIDTH_S = 300
LEVELS_S = (FINE_WIDTH_S, *COARSE_WIDTHS_S)
# Cell k of a level of width W is [k·W, (k+1)·W) in Unix time: the grid's origin (_ORIGIN) is
# a whole number of days after 1970-01-01, so this numbering and date_bin agree.
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORIGIN = GRID_ORIGIN_SQL
_FLOOR5 = f"date_bin(INTERVAL '5 minutes', {{0}}, {_ORIGIN})"
_FIVE_MINUTES = "INTERVAL '5 minutes'"
_FLOOR_W = f"date_bin(make_interval(secs => %(width)s::int), {{0}}, {_ORIGIN})"


def _floor(grid: str, at: str) -> str:
    """SQL: the start of the cell holding `at` (infinite times stay as they are)."""
    return f"CASE WHEN isfinite({at}) THEN {grid.format(at)} ELSE {at} END"


def _ceil(grid: str, step: str, at: str) -> str:
    """SQL: `at` if it starts a cell, else the next cell's start (`at` is finite)."""
    before = at + " - INTERVAL '1 microsecond'"
    return f"{grid.format(before)} + {step}"


# The spans given as arrays, numbered from 1 in order.
_SPANS_FROM_ARRAYS = (
    "unnest(%(sites)s::text[], %(locations)s::text[], %(starts)s::timestamptz[], "
    " %(ends)s::timestamptz[]) WITH ORDINALITY AS t(site_id, location, s, e, idx)"
)


# The key of a span's queued rollup work, as the queue stores it.
_QUEUED_KEY = key_sql(
    LocationKey, site_id="t.site_id", location="t.location", quantity="%(quantity)s::text"
)


def _spans_and_parts(source: str) -> str:
    """SQL CTEs spans and parts, for the spans of `source` (columns idx, site_id, location, s, e).

    spans: the spans with their queued (dirty) range [d_lo, d_hi) on the five-minute grid.
    parts: the spans cut around the dirty range; raw parts are read from the raw readings.
    """
    return (
        "spans AS (SELECT t.idx, t.site_id, t.location, t.s, coalesce(t.e, 'infinity') AS e, "
        "  w.key IS NOT NULL AS dirty, "
        f"  coalesce({_FLOOR5.format('w.from_time')}, '-infinity') AS d_lo, "
        f"  coalesce({_FLOOR5.format('w.to_time')} + INTERVAL '5 minutes', 'infinity') AS d_hi "
        f" FROM {source} "
        " LEFT JOIN work_queue w ON w.kind = %(kind)s::text "
        f"  AND w.key = {_QUEUED_KEY}), "
        "parts AS (SELECT idx, site_id, location, s AS a, e AS b, false AS raw FROM spans "
        "  WHERE NOT dirty "
        " UNION ALL SELECT idx, site_id, location, s, least(e, d_lo), false FROM spans "
        "  WHERE dirty AND s < least(e, d_lo) "
        " UNION ALL SELECT idx, site_id, location, greatest(s, d_lo), least(e, d_hi), true "
        "  FROM spans WHERE dirty AND greatest(s, d_lo) < least(e, d_hi) "
        " UNION ALL SELECT idx, site_id, location, greatest(s, d_hi), e, false FROM spans "
        "  WHERE dirty AND greatest(s, d_hi) < e)"
    )


_FLOOR_MID = f"date_bin(make_interval(secs => %(mid)s::int), {{0}}, {_ORIGIN})"


def _inner(grid: str, step: str, lo: str, hi: str) -> str:
    """SQL columns `lo`, `hi`: the whole cells of a grid inside a clean part [a, b)."""
    return f"{_ceil(grid, step, 'a')} AS {lo}, {_floor(grid, 'b')} AS {hi}"


def _around(lo: str, hi: str, inner_lo: str, inner_hi: str, name: str) -> str:
    """SQL: CTE `name`, the range [lo, hi) of each part less the range of the next level."""
    return (
        f"{name} AS (SELECT idx, site_id, location, {lo} AS a, "
        f"  CASE WHEN {inner_lo} < {inner_hi} THEN {inner_lo} ELSE {hi} END AS b FROM bounds "
        f" UNION ALL SELECT idx, site_id, location, {inner_hi}, {hi} FROM bounds "
        f"  WHERE {inner_lo} < {inner_hi})"
    )


def _ranges(cascade: bool, source: str = _SPANS_FROM_ARRAYS) -> str:
    """SQL CTEs: each clean part cut into ranges of whole cells, outermost the finest.

    bounds: each clean part [a, b) with its whole five-minute cells [lo, hi), its whole W cells
    [wlo, whi) and, in a cascade, its whole cells of a middle width (%(mid)s) [mlo, mhi).
    coarse, (mid,) fine, rawr: the ranges read from W cells, middle cells, five-minute cells
    and raw readings. The grids nest (each width a multiple of the next finer, one origin), so
    each level's whole cells lie within the next finer level's.
    """
    width = "make_interval(secs => %(width)s::int)"
    columns = [_inner(_FLOOR5, _FIVE_MINUTES, "lo", "hi"), _inner(_FLOOR_W, width, "wlo", "whi")]
    if cascade:
        columns.append(_inner(_FLOOR_MID, "make_interval(secs => %(mid)s::int)", "mlo", "mhi"))
    levels = [
        "bounds AS (SELECT idx, site_id, location, a, b, "
        f"{', '.join(columns)} FROM parts WHERE NOT raw)",
        "coarse AS (SELECT idx, site_id, location, wlo AS a, whi AS b FROM bounds "
        "  WHERE wlo < whi)",
    ]
    if cascade:
        levels.append(_around("mlo", "mhi", "wlo", "whi", "mid"))
        levels.append(_around("lo", "hi", "mlo", "mhi", "fine"))
    else:
        levels.append(_around("lo", "hi", "wlo", "whi", "fine"))
    levels.append(
        "rawr AS (SELECT idx, site_id, location, a, b FROM parts WHERE raw "
        " UNION ALL SELECT idx, site_id, location, a, least(lo, b) FROM bounds "
        " UNION ALL SELECT idx, site_id, location, greatest(hi, lo), b FROM bounds)"
    )
    return ", ".join([_spans_and_parts(source), *levels])


_SAME_SERIES = (
    "{0}.site_id = g.site_id AND {0}.location = g.location AND {0}.quantity = %(quantity)s::text"
)
# The W cells of the coarse ranges: from reading_rollups_coarse, or, when W is five minutes,
# from reading_rollups (the fine ranges are then empty: whole W cells are whole 5-min cells).
_COARSE_JOIN = (
    "coarse g JOIN reading_rollups_coarse c ON "
    f"{_SAME_SERIES.format('c')} AND c.width_s = %(width)s::int "
    "AND c.bucket >= g.a AND c.bucket < g.b"
)
_FINE_AS_COARSE_JOIN = (
    f"coarse g JOIN reading_rollups c ON {_SAME_SERIES.format('c')} "
    "AND c.bucket >= g.a AND c.bucket < g.b"
)
_MID_JOIN = (
    "mid g JOIN reading_rollups_coarse c ON "
    f"{_SAME_SERIES.format('c')} AND c.width_s = %(mid)s::int "
    "AND c.bucket >= g.a AND c.bucket < g.b"
)
_FINE_JOIN = (
    f"fine g JOIN reading_rollups c ON {_SAME_SERIES.format('c')} "
    "AND c.bucket >= g.a AND c.bucket < g.b"
)
_RAW_JOIN = (
    f"rawr g JOIN readings r ON {_SAME_SERIES.format('r')} "
    "AND r.time >= g.a AND r.time < g.b AND r.quality <> 'suspect'"
)


def _cell_sources(coarse: bool) -> list[str]:
    """The joins that give the W cells and five-minute cells of the ranges (alias c)."""
    return [_COARSE_JOIN, _FINE_JOIN] if coarse else [_FINE_AS_COARSE_JOIN]


# Totals read whole days, then whole hours, then whole five-minute cells, then raw readings:
# a 30-day stay reads at most 30 + 2·23 + 2·11 cells (and its raw edges) instead of 720 hours.
_TOTALS_WIDTH_S = 86400
_TOTALS_MID_S = 3600


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
    first: datetime | None = None  # time of the first reading
    last: datetime | None = None  # time of the last reading


Bucket = tuple[datetime, datetime, int, float, float, float]  # first, last, count, min/max/mean


def _params(spans: Sequence[Span], quantity: str, width_s: int) -> dict[str, object]:
    return {
        "sites": [s.site_id for s in spans],
        "locations": [s.location for s in spans],
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "kind": ROLLUP_WORK,
        "quantity": quantity,
        "width": width_s,
    }


def totals_sql(stays: str | None = None, extra: str = "") -> str:
    """SQL: per span, in order, count, min, max, sum, Σ Arrhenius terms, first and last reading.

    Of the spans given as arrays; or, with `stays`, of the rows of a CTE `stays` (columns idx,
    site_id, location, s, e, via_sscc), which each row then begins with, and `extra` columns
    (SQL over `st`, a stays row) end with.
    """
    cells = " UNION ALL ".join(
        "SELECT g.idx, c.samples::bigint AS n, c.min_value AS lo, c.max_value AS hi, "
        "c.sum_value AS sv, c.sum_arrhenius AS sa, c.first_time AS f, c.last_time AS l "
        f"FROM {source}"
        for source in (_COARSE_JOIN, _MID_JOIN, _FINE_JOIN)
    )
    totals = "sum(p.n), min(p.lo), max(p.hi), sum(p.sv), sum(p.sa), min(p.f), max(p.l)"
    pieces = (
        f"pieces AS ({cells} "
        " UNION ALL SELECT g.idx, 1, r.value, r.value, r.value, "
        f"  {arrhenius_sql('r.value')}, r.time, r.time FROM {_RAW_JOIN})"
    )
    if stays is None:
        return (
            f"WITH {_ranges(cascade=True)}, {pieces} SELECT {totals} "
            "FROM spans s LEFT JOIN pieces p ON p.idx = s.idx GROUP BY s.idx ORDER BY s.idx"
        )
    columns = "st.idx, st.site_id, st.location, st.s, st.e, st.via_sscc"
    return (
        f"WITH {stays}, {_ranges(cascade=True, source='stays t')}, {pieces} "
        f"SELECT {columns.removeprefix('st.idx, ')}, {totals}{extra} "
        f"FROM stays st LEFT JOIN pieces p ON p.idx = st.idx GROUP BY {columns} ORDER BY st.idx"
    )


# The number of the W cell holding {0}, a time on the five-minute grid (exact in float8).
_CELL = "floor(date_part('epoch', {0}) / %(width)s::int)::bigint"
# A series' piece from a rollup cell `c`: its W cell, samples, first/last time, min, max, sum.
_CELL_PIECE = (
    f"{_CELL.format('c.bucket')} AS cell, c.samples AS n, c.first_time AS f, "
    "c.last_time AS l, c.min_value AS lo, c.max_value AS hi, c.sum_value AS sv"
)


def _raw_pieces(extra: str = "") -> str:
    """SQL: the raw ranges' readings as pieces, one per W cell (_CELL_PIECE's columns, `extra`)."""
    return (
        f"SELECT {_CELL.format(_FLOOR_W.format('r.time'))}, count(*)::int, min(r.time), "
        f"max(r.time), min(r.value), max(r.value), sum(r.value){extra} "
        f"FROM {_RAW_JOIN} GROUP BY 1"
    )


def _series_sql(coarse: bool, points_json: bool = False) -> str:
    """SQL: the series' buckets (i, first_time … mean) at one level, read from the rollups.

    `points_json`: with a column `point`, the bucket's JSON object as stored with its coarse
    cell when the bucket is that one whole cell and nothing else (else null).
    """
    stored = {_COARSE_JOIN: "c.point"} if points_json else {}
    cells = " UNION ALL ".join(
        f"SELECT {_CELL_PIECE}"
        + (f", {stored.get(source, 'NULL::text')} AS pt" if points_json else "")
        + f" FROM {source}"
        for source in _cell_sources(coarse)
    )
    raw_point = ", NULL::text" if points_json else ""
    point = ", CASE WHEN count(*) = 1 THEN min(p.pt) END AS point" if points_json else ""
    # Cells c0 … c0 + cells - 1 hold the first reading to the last (the caller knows them).
    return (
        f"WITH {_ranges(cascade=False)}, pieces AS ({cells} "
        f" UNION ALL {_raw_pieces(raw_point)}) "
        "SELECT ((p.cell - %(c0)s::bigint + 1) * %(points)s::int - 1) / %(cells)s::bigint AS i, "
        "  min(p.f) AS first_time, max(p.l) AS last_time, sum(p.n) AS count, "
        f"  min(p.lo) AS min, max(p.hi) AS max, sum(p.sv) / sum(p.n) AS mean{point} "
        "FROM pieces p GROUP BY 1 ORDER BY 1"
    )


# A bucket's point, from the columns of a row `s` of the series' buckets.
_POINT = point_json_sql("s.first_time", "s.last_time", "s.count", "s.min", "s.max", "s.mean")


def series_json_sql(buckets_sql: str, order: str, *, stored: bool = False) -> str:
    """SQL: the buckets of `buckets_sql` (first_time … mean columns) as one JSON array text.

    `stored`: buckets_sql also has a column `point`, the bucket's JSON as stored with its
    coarse cell (cloud/db/rollups_store.py), taken as it is when not null.
    """
    point = f"coalesce(s.point, {_POINT})" if stored else _POINT
    return (
        f"SELECT '[' || coalesce(string_agg({point}, ',' ORDER BY {order}), '') || ']' "
        f"FROM ({buckets_sql}) s"
    )


def _whole_cells_series_json_sql() -> str:
    """SQL: the series' JSON array when each bucket is one W cell and no two spans share one.

    Then a whole W cell is its bucket's only piece and its point is the one stored with it,
    taken in index order without grouping; only the partial W cells at the edges of the
    spans' clean parts (their five-minute cells and raw readings) are grouped into points,
    as _series_sql groups them. The same JSON as series_json_sql(_series_sql(...)) for
    such spans, for about a quarter less of PostgreSQL's time than that statement.
    """
    edge_pieces = f"SELECT {_CELL_PIECE} FROM {_FINE_JOIN} UNION ALL {_raw_pieces()}"
    edge_buckets = (
        "SELECT p.cell, min(p.f) AS first_time, max(p.l) AS last_time, sum(p.n) AS count, "
        "min(p.lo) AS min, max(p.hi) AS max, sum(p.sv) / sum(p.n) AS mean "
        f"FROM ({edge_pieces}) p GROUP BY p.cell"
    )
    return (
        f"WITH {_ranges(cascade=False)} "
        "SELECT '[' || coalesce(string_agg(b.point, ',' ORDER BY b.cell), '') || ']' FROM ("
        f"SELECT {_CELL.format('c.bucket')} AS cell, c.point FROM {_COARSE_JOIN} "
        f"UNION ALL SELECT s.cell, {_POINT} FROM ({edge_buckets}) s) b"
    )


_TOTALS = prepared.statement("txng_span_totals", totals_sql())
_FINE_SERIES = prepared.statement("txng_series_fine", _series_sql(coarse=False))
_COARSE_SERIES = prepared.statement("txng_series_coarse", _series_sql(coarse=True))
_FINE_SERIES_JSON = prepared.statement(
    "txng_series_fine_json", series_json_sql(_series_sql(coarse=False), "s.i")
)
_COARSE_SERIES_JSON = prepared.statement(
    "txng_series_coarse_json",
    series_json_sql(_series_sql(coarse=True, points_json=True), "s.i", stored=True),
)
_WHOLE_CELLS_SERIES_JSON = prepared.statement(
    "txng_series_whole_cells_json", _whole_cells_series_json_sql()
)


def span_totals(cur: Cursor, spans: Sequence[Span], quantity: str) -> list[Totals]:
    """Count, min, max, sum, Σ Arrhenius terms, first and last reading of each span, in order."""
    if not spans:
        return []
    prepared.execute(cur, _TOTALS, _params(spans, quantity, 0) | totals_params(quantity))
    return [totals_of(row) for row in cur.fetchall()]


def totals_params(quantity: str) -> dict[str, object]:
    """The parameters of totals_sql but the spans' arrays."""
    return {
        "kind": ROLLUP_WORK,
        "quantity": quantity,
        "width": _TOTALS_WIDTH_S,
        "mid": _TOTALS_MID_S,
    }


def totals_of(row: Sequence[Any]) -> Totals:
    """The Totals of totals_sql's seven columns."""
    n, lo, hi, sv, sa, first, last = row
    return Totals(int(n), lo, hi, sv, sa, first, last) if n else Totals(0, None, None, None, None)


def level_series(
    cur: Cursor,
    spans: Sequence[Span],
    quantity: str,
    points: int,
    width_s: int,
    life: tuple[datetime, datetime],
) -> tuple[int, list[Bucket]]:
    """The spans' readings in at most `points` buckets of whole cells `width_s` seconds wide.

    `life`: the first and the last reading's time over the spans (span_totals gives them).
    The C cells from the first reading's to the last's are shared out in order, as evenly as
    whole cells allow (bucket i holds cells floor(i·C/points) to floor((i+1)·C/points) - 1);
    empty buckets are left out. Spans must not overlap at one place (a reading counts once).
    Returns C with the buckets.
    """
    cells, params = _series_params(spans, quantity, points, width_s, life)
    stmt = _FINE_SERIES if width_s == FINE_WIDTH_S else _COARSE_SERIES
    prepared.execute(cur, stmt, params)
    return cells, [(f, last, int(n), lo, hi, mean) for _, f, last, n, lo, hi, mean in cur]


def level_series_json(
    cur: Cursor,
    spans: Sequence[Span],
    quantity: str,
    points: int,
    width_s: int,
    life: tuple[datetime, datetime],
) -> str:
    """level_series's buckets as the JSON array the API sends (first_time … mean)."""
    cells, params = _series_params(spans, quantity, points, width_s, life)
    if width_s == FINE_WIDTH_S:
        stmt = _FINE_SERIES_JSON
    elif cells <= points and _apart(spans):
        stmt = _WHOLE_CELLS_SERIES_JSON  # a bucket per cell, a cell of one span only
    else:
        stmt = _COARSE_SERIES_JSON
    prepared.execute(cur, stmt, params)
    row = cur.fetchone()
    return str(row[0]) if row else "[]"


def _apart(spans: Sequence[Span]) -> bool:
    """Whether no two of the spans overlap in time (so no cell holds readings of two)."""
    ordered = sorted(spans, key=lambda span: span.start)
    return all(
        before.end is not None and before.end <= after.start
        for before, after in pairwise(ordered)
    )


def _series_params(
    spans: Sequence[Span],
    quantity: str,
    points: int,
    width_s: int,
    life: tuple[datetime, datetime],
) -> tuple[int, dict[str, object]]:
    """The number of cells of the life, and the series statement's parameters."""
    width = timedelta(seconds=width_s)
    first, last = ((at - _UNIX_EPOCH) // width for at in life)
    cells = last - first + 1
    return cells, {
        **_params(spans, quantity, width_s),
        "points": points,
        "c0": first,
        "cells": cells,
    }


def series_width(life: tuple[datetime, datetime], points: int) -> int | None:
    """The series' level: one bucket per cell of the finest level with at most `points` cells.

    From the first to the last reading. None when even five-minute cells are fewer than
    `points` (a short life: raw readings in `points` equal-time buckets); the widest level
    when every level has more (a life of more than `points` days: its days are shared out).
    As a chart's data source picks an interval: the widest buckets still give no more than
    the points asked for, whole calendar-aligned cells of one width.
    """

    def cells(width_s: int) -> int:
        width = timedelta(seconds=width_s)
        first, last = ((at - _UNIX_EPOCH) // width for at in life)
        return last - first + 1

    if cells(FINE_WIDTH_S) < points:
        return None
    return next((w for w in LEVELS_S if cells(w) <= points), LEVELS_S[-1])
