"""SQL of a batch's readings over its life: stays, a downsampled series, and per-stay summaries.

A reading belongs to a batch when it was taken at a place the batch was (batch_presence: its
own stays and those of the units it was packed into) while it was there: same site and
location, start_time <= time < end_time (an open stay has no end). Readings the reader marked
`suspect` are left out, as the cold-chain evaluation leaves them out.

Summaries and long series are read from the rollups (cloud/db/rollups_query.py)
and are exact: whole cells from the rollups, partial ones from the raw readings.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.mkt import mkt_from_terms
from cloud.db.rollups_query import (
    FINE_WIDTH_S,
    Span,
    Totals,
    level_series,
    level_series_json,
    series_json_sql,
    series_width,
    span_totals,
    totals_of,
    totals_params,
    totals_sql,
)


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


_STAYS = prepared.statement(
    "txng_batch_stays",
    "SELECT site_id, location, start_time, end_time, via_sscc FROM batch_presence "
    "WHERE batch_id = %(batch)s::bigint ORDER BY start_time, end_time NULLS LAST, location",
)


def batch_stays(cur: Cursor, batch_id: int) -> list[Stay]:
    """Every stay of the batch (its own and via logistic units), in time order."""
    prepared.execute(cur, _STAYS, {"batch": batch_id})
    return [Stay(*row) for row in cur.fetchall()]


def merge_stays(stays: Sequence[Stay]) -> list[Stay]:
    """Overlapping stays at the same place as one (a batch and its unit both there)."""
    merged: list[Stay] = []
    for stay in sorted(stays, key=lambda s: (s.site_id, s.location, s.start)):
        last = merged[-1] if merged else None
        same_place = last is not None and (last.site_id, last.location) == (
            stay.site_id,
            stay.location,
        )
        if last is not None and same_place and (last.end is None or stay.start <= last.end):
            end = None if last.end is None or stay.end is None else max(last.end, stay.end)
            merged[-1] = Stay(last.site_id, last.location, last.start, end)
        else:
            merged.append(Stay(stay.site_id, stay.location, stay.start, stay.end))
    return sorted(merged, key=lambda s: s.start)


def batch_series(
    cur: Cursor,
    batch_id: int,
    *,
    points: int = 500,
    quantity: str = "temperature",
    site: str | None = None,
) -> list[SeriesPoint]:
    """The batch's readings over its life in at most `points` buckets (min/max/mean).

    The time from the first to the last linked reading is divided into buckets: the cells of
    the finest rollup level (5 min to 1 day) that has at most `points` of them in that time,
    one bucket each (a life of more than `points` days: its days shared out as evenly as
    they allow); else (shorter than `points` five-minute cells) `points` equal-time buckets
    of the raw readings. Empty buckets are left out. A reading linked through two
    overlapping stays at the same place counts once. Given `site`: its stays only.
    """
    stays = [s for s in batch_stays(cur, batch_id) if site is None or s.site_id == site]
    spans = _spans(merge_stays(stays))
    totals = span_totals(cur, spans, quantity)
    return _series(cur, batch_id, spans, totals, points, quantity, site)


def merged_totals(
    cur: Cursor, batch_id: int, *, quantity: str = "temperature"
) -> tuple[list[Span], list[Totals]]:
    """The batch's stays merged per place (no reading counted twice), each with its totals.

    Places that never had a reading of `quantity` (packing lines, docks, shops) are not read.
    """
    merged = _spans(merge_stays(batch_stays(cur, batch_id)))
    measured = measured_places(cur, {(s.site_id, s.location) for s in merged}, quantity)
    read = [s for s in merged if (s.site_id, s.location) in measured]
    totals = dict(zip(map(id, read), span_totals(cur, read, quantity), strict=True))
    none = Totals(0, None, None, None, None)
    return merged, [totals.get(id(s), none) for s in merged]


_MEASURED = prepared.statement(
    "txng_measured_places",
    "SELECT w.site_id, w.location FROM unnest(%(sites)s::text[], %(locations)s::text[]) "
    "AS w (site_id, location) WHERE (SELECT r.time FROM readings r "
    "WHERE r.site_id = w.site_id AND r.location = w.location AND r.quantity = %(q)s::text "
    "ORDER BY r.time LIMIT 1) IS NOT NULL",  # the first reading, by the place's index
)


def measured_places(
    cur: Cursor, places: Iterable[tuple[str, str]], quantity: str = "temperature"
) -> set[tuple[str, str]]:
    """Those of the (site, location) places that have readings of `quantity` at all."""
    ordered = sorted(set(places))
    if not ordered:
        return set()
    params = {"sites": [p[0] for p in ordered], "locations": [p[1] for p in ordered]}
    prepared.execute(cur, _MEASURED, params | {"q": quantity})
    return {(site, location) for site, location in cur.fetchall()}


def merged_series(
    cur: Cursor,
    batch_id: int,
    merged: tuple[list[Span], list[Totals]],
    *,
    points: int = 500,
    quantity: str = "temperature",
) -> list[SeriesPoint]:
    """The series over merged_totals' spans (some of them: only theirs is read).

    A life shorter than `points` five-minute cells is read in five-minute cells here (the
    raw equal-time buckets of batch_series read every stay of the batch).
    """
    level = _level(merged[1], points)
    if level is None:
        return []
    life, width_s = level
    _, buckets = level_series(cur, merged[0], quantity, points, width_s or FINE_WIDTH_S, life)
    return [SeriesPoint(*bucket) for bucket in buckets]


def batch_conditions(
    cur: Cursor,
    batch_id: int,
    *,
    points: int = 500,
    quantity: str = "temperature",
    site: str | None = None,
) -> tuple[list[StaySummary], list[SeriesPoint]]:
    """stay_summaries and batch_series of the batch (its stays at `site`, if given)."""
    stays, totals, summaries = _at_site(_read_stays(cur, batch_id, quantity), site)
    merged = _spans(merge_stays(stays))
    series = _series(cur, batch_id, merged, totals, points, quantity, site)
    return summaries, series


def batch_conditions_json(
    cur: Cursor,
    batch_id: int,
    *,
    points: int = 500,
    quantity: str = "temperature",
    site: str | None = None,
) -> tuple[list[StaySummary], str]:
    """batch_conditions with the series as the API's JSON array (built by the database)."""
    stays, totals, summaries = _at_site(_read_stays(cur, batch_id, quantity), site)
    merged = _spans(merge_stays(stays))
    series = _series_json(cur, batch_id, merged, totals, points, quantity, site)
    return summaries, series


_Read = tuple[list[Stay], list[Totals], list[StaySummary]]


def _at_site(read: _Read, site: str | None) -> _Read:
    """The stays (with their totals and summaries) at `site`; all of them when it is None."""
    if site is None:
        return read
    keep = [i for i, stay in enumerate(read[0]) if stay.site_id == site]
    return [read[0][i] for i in keep], [read[1][i] for i in keep], [read[2][i] for i in keep]


def _read_stays(
    cur: Cursor, batch_id: int, quantity: str
) -> tuple[list[Stay], list[Totals], list[StaySummary]]:
    """The batch's stays, their totals and their summaries, from one statement."""
    prepared.execute(cur, _STAY_TOTALS, {"batch": batch_id, **totals_params(quantity)})
    rows = cur.fetchall()
    stays = [Stay(*row[:5]) for row in rows]
    totals = [totals_of(row[5:12]) for row in rows]
    outside = [None if row[12] is None else float(row[12]) for row in rows]
    return stays, totals, _summaries(stays, totals, outside, quantity)


def _spans(stays: Sequence[Stay]) -> list[Span]:
    return [Span(s.site_id, s.location, s.start, s.end) for s in stays]


def _level(
    totals: Sequence[Totals], points: int
) -> tuple[tuple[datetime, datetime], int | None] | None:
    """(first and last reading's time, the series' rollup width); None: no readings.

    The width is None when the life is shorter than `points` five-minute cells (_FINE_SQL).
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    firsts = [t.first for t in totals if t.first is not None]
    lasts = [t.last for t in totals if t.last is not None]
    if not firsts or not lasts:
        return None
    life = (min(firsts), max(lasts))
    return life, series_width(life, points)


def _series(
    cur: Cursor,
    batch_id: int,
    merged: Sequence[Span],
    totals: Sequence[Totals],
    points: int,
    quantity: str,
    site: str | None = None,
) -> list[SeriesPoint]:
    """The series over `merged`; `totals` (of stays with the same union) fix the level."""
    level = _level(totals, points)
    if level is None:
        return []
    life, width_s = level
    if width_s is None:
        cur.execute(_FINE_SQL, _fine_params(batch_id, points, quantity, site))
        return [SeriesPoint(*row[1:]) for row in cur.fetchall()]
    _, buckets = level_series(cur, merged, quantity, points, width_s, life)
    return [SeriesPoint(*bucket) for bucket in buckets]


def _series_json(
    cur: Cursor,
    batch_id: int,
    merged: Sequence[Span],
    totals: Sequence[Totals],
    points: int,
    quantity: str,
    site: str | None = None,
) -> str:
    """_series as the API's JSON array text, written by the database."""
    level = _level(totals, points)
    if level is None:
        return "[]"
    life, width_s = level
    if width_s is None:
        cur.execute(
            series_json_sql(_FINE_SQL, "s.bucket"), _fine_params(batch_id, points, quantity, site)
        )
        row = cur.fetchone()
        return str(row[0]) if row else "[]"
    return level_series_json(cur, merged, quantity, points, width_s, life)


# A short life's series (fewer five-minute cells than points): `points` equal-time buckets of
# the raw readings.
_FINE_SQL = (
    "WITH stays AS (SELECT site_id, location, start_time, end_time FROM batch_presence "
    "  WHERE batch_id = %(batch)s AND (%(site)s::text IS NULL OR site_id = %(site)s)), "
    "linked AS MATERIALIZED (SELECT DISTINCT r.id, r.time, r.value FROM stays s "
    "  JOIN readings r ON r.site_id = s.site_id AND r.location = s.location "
    "  AND r.quantity = %(quantity)s AND r.time >= s.start_time "
    "  AND (s.end_time IS NULL OR r.time < s.end_time) AND r.quality <> 'suspect'), "
    "span AS (SELECT min(time) AS t0, "
    "  greatest(extract(epoch FROM max(time) - min(time)), 1e-6) AS width FROM linked) "
    "SELECT least(floor(extract(epoch FROM l.time - span.t0) / span.width * %(points)s), "
    "  %(points)s - 1)::int AS bucket, min(l.time) AS first_time, max(l.time) AS last_time, "
    "  count(*) AS count, min(l.value) AS min, max(l.value) AS max, avg(l.value) AS mean "
    "FROM linked l, span GROUP BY bucket ORDER BY bucket"
)


def _fine_params(
    batch_id: int, points: int, quantity: str, site: str | None = None
) -> dict[str, object]:
    return {"batch": batch_id, "quantity": quantity, "points": points, "site": site}


def stay_summaries(
    cur: Cursor, batch_id: int, *, quantity: str = "temperature"
) -> list[StaySummary]:
    """Each stay of the batch with min, max, mean, MKT (temperature) and time out of range.

    Time out of range is the overlap of the batch's stored excursions with the stay; it is
    None when the batch has no cold-chain profile for `quantity`.
    """
    return _read_stays(cur, batch_id, quantity)[2]


def _summaries(
    stays: Sequence[Stay],
    totals: Sequence[Totals],
    outside: Sequence[float | None],
    quantity: str,
) -> list[StaySummary]:
    summaries = []
    for stay, total, out in zip(stays, totals, outside, strict=True):
        mkt = None
        if total.count and quantity == "temperature" and total.sum_arrhenius:
            mkt = mkt_from_terms(total.sum_arrhenius, total.count)
        mean = total.sum / total.count if total.count and total.sum is not None else None
        summaries.append(
            StaySummary(
                stay=stay,
                count=total.count,
                min=total.min,
                max=total.max,
                mean=mean,
                mkt=mkt,
                out_of_range_s=out,
            )
        )
    return summaries


# The batch's stays (as batch_stays orders them) with their totals and, per stay, the seconds
# of the batch's excursions within it (null when no cold-chain profile for the quantity
# applies to the batch).
_STAY_TOTALS = prepared.statement(
    "txng_batch_stay_totals",
    totals_sql(
        stays="stays AS (SELECT row_number() OVER (ORDER BY start_time, end_time NULLS LAST, "
        " location) AS idx, site_id, location, start_time AS s, end_time AS e, via_sscc "
        " FROM batch_presence WHERE batch_id = %(batch)s::bigint)",
        extra=", CASE WHEN (SELECT EXISTS (SELECT 1 FROM batches b "
        " JOIN products p ON p.gtin = b.gtin LEFT JOIN product_groups g ON g.id = p.product_group "
        " JOIN cold_chain_profiles c ON c.id = coalesce(p.profile_id, g.profile_id) "
        " WHERE b.id = %(batch)s::bigint AND c.quantity = %(quantity)s::text)) "
        "THEN (SELECT coalesce(sum(extract(epoch FROM "
        "  least(coalesce(x.end_time, x.last_time), coalesce(st.e, 'infinity')) "
        "  - greatest(x.start_time, st.s))), 0)::float8 "
        " FROM excursions x WHERE x.batch_id = %(batch)s::bigint AND x.site_id = st.site_id "
        "  AND x.location = st.location AND x.quantity = %(quantity)s::text "
        "  AND x.start_time < coalesce(st.e, 'infinity') "
        "  AND coalesce(x.end_time, x.last_time) > st.s) END",
    ),
)
