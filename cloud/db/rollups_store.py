"""SQL of the reading rollups: recompute the cells a time range touches, or all.

A five-minute cell is recomputed from the raw readings, and a coarse cell (15 min to 1 day)
from the five-minute cells inside it, in the same transaction; never incremented, so
redoing work changes nothing. Writers of one series take its advisory lock first: a worker
whose snapshot missed another's readings can then never overwrite that worker's newer cell.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.db.json_sql import point_json_sql
from cloud.db.locks import lock
from cloud.db.mkt import arrhenius_sql

CELL = timedelta(minutes=5)
COARSE_WIDTHS_S = (900, 1800, 3600, 7200, 21600, 43200, 86400)  # the CHECK of width_s (0016)
# The derive work that refreshes a series' cells (a LocationKey, with the time range of the
# readings stored): while it waits, readers take those cells from raw readings.
ROLLUP_WORK = "coldchain_location"


class LocationKey(NamedTuple):
    """Readings of one quantity at one location (the key of the rollups' refresh work)."""

    site_id: str
    location: str
    quantity: str


_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # the grid's origin, as in the SQL below
GRID_ORIGIN_SQL = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"  # every level's cells start here
_GRID = f"date_bin(INTERVAL '5 minutes', time, {GRID_ORIGIN_SQL})"
_CELLS_SQL = (
    f"SELECT site_id, location, quantity, {_GRID} AS bucket, count(*) AS samples, "
    "min(time) AS first_time, max(time) AS last_time, min(value) AS min_value, "
    "max(value) AS max_value, sum(value) AS sum_value, "
    f"sum({arrhenius_sql('value')}) AS sum_arrhenius FROM readings "
)
_UPDATE_SQL = (
    "samples = excluded.samples, first_time = excluded.first_time, "
    "last_time = excluded.last_time, min_value = excluded.min_value, "
    "max_value = excluded.max_value, sum_value = excluded.sum_value, "
    "sum_arrhenius = excluded.sum_arrhenius"
)
_UPSERT_SQL = f"ON CONFLICT (site_id, location, quantity, bucket) DO UPDATE SET {_UPDATE_SQL}"
_COARSE_UPSERT_SQL = (
    "ON CONFLICT (site_id, location, quantity, width_s, bucket) DO UPDATE SET "
    f"{_UPDATE_SQL}, point = excluded.point"
)
_COARSE_BIN = f"date_bin(make_interval(secs => {{0}}), {{1}}, {GRID_ORIGIN_SQL})"
# A coarse cell's series point: the JSON the timeline sends for a bucket that is this cell
# alone (migration 0028), written as the timeline's query writes a bucket it computes, with
# the settings that query runs with (the pool's) whatever the writer's session has.
_POINT_SQL = point_json_sql(
    "first_time", "last_time", "samples", "min_value", "max_value", "sum_value / samples"
)
_POINT_SETTINGS = "SET LOCAL DateStyle = ISO; SET LOCAL extra_float_digits = 1; "


def _coarse_cells_sql(source: str) -> str:
    """SQL: the coarse cells (every column) of widths `w` from five-minute cells `r` of `source`."""
    return (
        f"SELECT *, {_POINT_SQL} AS point FROM (SELECT r.site_id, r.location, r.quantity, "
        f"w.width_s, {_COARSE_BIN.format('w.width_s', 'r.bucket')} AS bucket, "
        "sum(r.samples)::int AS samples, min(r.first_time) AS first_time, "
        "max(r.last_time) AS last_time, min(r.min_value) AS min_value, "
        "max(r.max_value) AS max_value, sum(r.sum_value) AS sum_value, "
        f"sum(r.sum_arrhenius) AS sum_arrhenius FROM {source} GROUP BY 1, 2, 3, 4, 5) cells"
    )


def floor_cell(at: datetime) -> datetime:
    """The start of the five-minute cell holding `at`."""
    return at - (at - _EPOCH) % CELL


def ceil_cell(at: datetime) -> datetime:
    """`at` if it starts a cell, else the start of the next cell."""
    low = floor_cell(at)
    return low if low == at else low + CELL


def refresh_rollups(
    cur: Cursor, site_id: str, location: str, quantity: str, start: datetime, end: datetime
) -> None:
    """Recompute the cells of one series that hold any time in [start, end] from raw readings."""
    lock(cur, f"rollups:{site_id}|{location}|{quantity}")
    params: dict[str, Any] = {
        "site": site_id,
        "location": location,
        "quantity": quantity,
        "low": floor_cell(start),
        "high": floor_cell(end) + CELL,
    }
    series = "site_id = %(site)s AND location = %(location)s AND quantity = %(quantity)s"
    cur.execute(
        f"WITH fresh AS ({_CELLS_SQL} WHERE {series} AND time >= %(low)s AND time < %(high)s "
        "  AND quality <> 'suspect' GROUP BY 1, 2, 3, 4), "
        "gone AS (DELETE FROM reading_rollups o WHERE "
        f"  {series} AND bucket >= %(low)s AND bucket < %(high)s "
        "  AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.bucket = o.bucket)) "
        f"INSERT INTO reading_rollups SELECT * FROM fresh {_UPSERT_SQL}",
        params,
    )
    _refresh_coarse(cur, params)


def _refresh_coarse(cur: Cursor, params: dict[str, Any]) -> None:
    """Recompute the coarse cells holding five-minute cells in [low, high) from those cells."""
    cur.execute(
        # w: each width with the range [from_time, to_time) of its cells that [low, high) touches.
        f"{_POINT_SETTINGS}WITH w AS (SELECT width_s, "
        f"  {_COARSE_BIN.format('width_s', '%(low)s::timestamptz')} AS from_time, "
        f"  {_COARSE_BIN.format('width_s', '%(last)s::timestamptz')} "
        "   + make_interval(secs => width_s) AS to_time "
        "  FROM unnest(%(widths)s::int[]) AS width_s), "
        "fresh AS ("
        + _coarse_cells_sql(
            "w JOIN reading_rollups r ON r.bucket >= w.from_time AND r.bucket < w.to_time "
            "WHERE r.site_id = %(site)s AND r.location = %(location)s "
            "AND r.quantity = %(quantity)s"
        )
        + "), "
        "gone AS (DELETE FROM reading_rollups_coarse o USING w "
        "  WHERE o.site_id = %(site)s AND o.location = %(location)s "
        "  AND o.quantity = %(quantity)s AND o.width_s = w.width_s "
        "  AND o.bucket >= w.from_time AND o.bucket < w.to_time "
        "  AND NOT EXISTS (SELECT 1 FROM fresh f "
        "   WHERE f.width_s = o.width_s AND f.bucket = o.bucket)) "
        f"INSERT INTO reading_rollups_coarse SELECT * FROM fresh {_COARSE_UPSERT_SQL}",
        {**params, "last": params["high"] - CELL, "widths": list(COARSE_WIDTHS_S)},
    )


def rebuild_rollups(cur: Cursor) -> int:
    """Recompute every cell from the raw readings (after a bulk load that bypassed the queue).

    Returns the number of five-minute cells.
    """
    cur.execute("LOCK TABLE reading_rollups, reading_rollups_coarse IN EXCLUSIVE MODE")
    cur.execute("DELETE FROM reading_rollups")
    cur.execute(
        f"INSERT INTO reading_rollups {_CELLS_SQL} WHERE quality <> 'suspect' GROUP BY 1, 2, 3, 4"
    )
    cells = int(cur.rowcount)
    cur.execute("DELETE FROM reading_rollups_coarse")
    cur.execute(
        f"{_POINT_SETTINGS}INSERT INTO reading_rollups_coarse "
        + _coarse_cells_sql(
            "reading_rollups r CROSS JOIN unnest(%(widths)s::int[]) AS w (width_s)"
        ),
        {"widths": list(COARSE_WIDTHS_S)},
    )
    return cells
