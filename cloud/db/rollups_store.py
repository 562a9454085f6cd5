"""SQL of the five-minute reading rollups: recompute the cells a time range touches, or all.

A cell is recomputed from the raw readings (never incremented), so redoing work changes
nothing. Writers of one series take its advisory lock first: a worker whose snapshot missed
another's readings can then never overwrite that worker's newer cell.
"""

from datetime import UTC, datetime, timedelta

from psycopg2.extensions import cursor as Cursor

CELL = timedelta(minutes=5)
# The derive work that refreshes a series' cells (key: site|location|quantity, with the time
# range of the readings stored): while it waits, readers take those cells from raw readings.
WORK_KIND = "coldchain_location"
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # the grid's origin, as in the SQL below
_GRID = "date_bin(INTERVAL '5 minutes', time, TIMESTAMPTZ '2000-01-03 00:00:00+00')"
_CELLS_SQL = (
    f"SELECT site_id, location, quantity, {_GRID} AS bucket, count(*) AS samples, "
    "min(time) AS first_time, max(time) AS last_time, min(value) AS min_value, "
    "max(value) AS max_value, sum(value) AS sum_value, "
    "sum(exp(-10000.0 / (value + 273.15))) AS sum_arrhenius FROM readings "
)
_UPSERT_SQL = (
    "ON CONFLICT (site_id, location, quantity, bucket) DO UPDATE SET "
    "samples = excluded.samples, first_time = excluded.first_time, "
    "last_time = excluded.last_time, min_value = excluded.min_value, "
    "max_value = excluded.max_value, sum_value = excluded.sum_value, "
    "sum_arrhenius = excluded.sum_arrhenius"
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
    cur.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (f"rollups:{site_id}|{location}|{quantity}",),
    )
    params = {
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


def rebuild_rollups(cur: Cursor) -> int:
    """Recompute every cell from the raw readings (after a bulk load that bypassed the queue)."""
    cur.execute("LOCK TABLE reading_rollups IN EXCLUSIVE MODE")
    cur.execute("DELETE FROM reading_rollups")
    cur.execute(
        f"INSERT INTO reading_rollups {_CELLS_SQL} WHERE quality <> 'suspect' GROUP BY 1, 2, 3, 4"
    )
    return int(cur.rowcount)
