"""SQL of a batch's readings over its life: stays, a downsampled series, and per-stay summaries.

A reading belongs to a batch when it was taken at a place the batch was (batch_presence: its
own stays and those of the units it was packed into) while it was there: same site and
location, start_time <= time < end_time (an open stay has no end). Readings the reader marked
`suspect` are left out, as the cold-chain evaluation leaves them out.
"""

from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.mkt import mkt_from_terms

_ARRHENIUS_SQL = "exp(-10000.0 / (r.value + 273.15))"  # ΔH/R = 83,144 / 8.3144 = 10,000 K


@dataclass(frozen=True)
class Stay:
    """One stay of a batch at a location (end None: still there); via_sscc: in that unit."""

    site_id: str
    location: str
    start: datetime
    end: datetime | None
    via_sscc: str | None = None


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket of a downsampled series: first and last reading time, count, min/max/mean."""

    first_time: datetime
    last_time: datetime
    count: int
    min: float
    max: float
    mean: float


@dataclass(frozen=True)
class StaySummary:
    """A stay with its readings summarised; out_of_range_s is None when no profile applies."""

    stay: Stay
    count: int
    min: float | None
    max: float | None
    mean: float | None
    mkt: float | None
    out_of_range_s: float | None


def batch_stays(cur: Cursor, batch_id: int) -> list[Stay]:
    """Every stay of the batch (its own and via logistic units), in time order."""
    cur.execute(
        "SELECT site_id, location, start_time, end_time, via_sscc FROM batch_presence "
        "WHERE batch_id = %s ORDER BY start_time, end_time NULLS LAST, location",
        (batch_id,),
    )
    return [Stay(*row) for row in cur.fetchall()]


def batch_series(
    cur: Cursor, batch_id: int, *, points: int = 500, quantity: str = "temperature"
) -> list[SeriesPoint]:
    """The batch's readings over its life in at most `points` equal-time buckets (min/max/mean).

    Buckets divide the time from its first to its last linked reading; empty buckets are left
    out. A reading linked through two overlapping stays at the same place counts once.
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    cur.execute(
        "WITH stays AS (SELECT site_id, location, start_time, end_time FROM batch_presence "
        "  WHERE batch_id = %(batch)s), "
        "linked AS MATERIALIZED (SELECT DISTINCT r.id, r.time, r.value FROM stays s "
        "  JOIN readings r ON r.site_id = s.site_id AND r.location = s.location "
        "  AND r.quantity = %(quantity)s AND r.time >= s.start_time "
        "  AND (s.end_time IS NULL OR r.time < s.end_time) AND r.quality <> 'suspect'), "
        "span AS (SELECT min(time) AS t0, "
        "  greatest(extract(epoch FROM max(time) - min(time)), 1e-6) AS width FROM linked) "
        "SELECT least(floor(extract(epoch FROM l.time - span.t0) / span.width * %(points)s), "
        "  %(points)s - 1)::int AS bucket, min(l.time), max(l.time), count(*), "
        "  min(l.value), max(l.value), avg(l.value) "
        "FROM linked l, span GROUP BY bucket ORDER BY bucket",
        {"batch": batch_id, "quantity": quantity, "points": points},
    )
    return [SeriesPoint(*row[1:]) for row in cur.fetchall()]


def stay_summaries(
    cur: Cursor, batch_id: int, *, quantity: str = "temperature"
) -> list[StaySummary]:
    """Each stay of the batch with min, max, mean, MKT (temperature) and time out of range.

    Time out of range is the overlap of the batch's stored excursions with the stay; it is
    None when the batch has no cold-chain profile for `quantity`.
    """
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM batches b JOIN products p ON p.gtin = b.gtin "
        " LEFT JOIN product_groups g ON g.id = p.product_group "
        " JOIN cold_chain_profiles c ON c.id = coalesce(p.profile_id, g.profile_id) "
        " WHERE b.id = %s AND c.quantity = %s)",
        (batch_id, quantity),
    )
    row = cur.fetchone()
    profiled = bool(row and row[0])
    summaries = []
    for stay in batch_stays(cur, batch_id):
        cur.execute(
            "SELECT count(*), min(r.value), max(r.value), avg(r.value), "
            f"sum({_ARRHENIUS_SQL}) FROM readings r WHERE r.site_id = %(site)s "
            "AND r.location = %(location)s AND r.quantity = %(quantity)s "
            "AND r.time >= %(start)s AND (%(end)s::timestamptz IS NULL OR r.time < %(end)s) "
            "AND r.quality <> 'suspect'",
            {
                "site": stay.site_id,
                "location": stay.location,
                "quantity": quantity,
                "start": stay.start,
                "end": stay.end,
            },
        )
        count, low, high, mean, terms = cur.fetchone() or (0, None, None, None, None)
        mkt = None
        if count and quantity == "temperature" and terms:
            mkt = mkt_from_terms(float(terms), int(count))
        summaries.append(
            StaySummary(
                stay=stay,
                count=int(count),
                min=low,
                max=high,
                mean=float(mean) if mean is not None else None,
                mkt=mkt,
                out_of_range_s=_out_of_range_s(cur, batch_id, stay, quantity) if profiled else None,
            )
        )
    return summaries


def _out_of_range_s(cur: Cursor, batch_id: int, stay: Stay, quantity: str) -> float:
    cur.execute(
        "SELECT coalesce(sum(extract(epoch FROM "
        " least(coalesce(end_time, last_time), coalesce(%(end)s::timestamptz, 'infinity')) "
        " - greatest(start_time, %(start)s))), 0) FROM excursions "
        "WHERE batch_id = %(batch)s AND site_id = %(site)s AND location = %(location)s "
        "AND quantity = %(quantity)s AND start_time < coalesce(%(end)s::timestamptz, 'infinity') "
        "AND coalesce(end_time, last_time) > %(start)s",
        {
            "batch": batch_id,
            "site": stay.site_id,
            "location": stay.location,
            "quantity": quantity,
            "start": stay.start,
            "end": stay.end,
        },
    )
    row = cur.fetchone()
    return float(row[0]) if row else 0.0
