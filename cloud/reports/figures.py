"""A report's figures: totals combined, excursions clipped to its spans, time beyond each limit."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from cloud.db.excursions_store import ExcursionRecord
from cloud.db.mkt import mkt_from_terms
from cloud.db.rollups_query import Span, Totals
from cloud.db.rows.coldchain import Profile
from cloud.reports.model import ExcursionRow, Figures, LimitFigures

_FAR = timedelta(days=365_000)


def combine(totals: Iterable[Totals]) -> Totals:
    """The totals of several disjoint spans as one."""
    parts = [t for t in totals if t.count]
    if not parts:
        return Totals(0, None, None, None, None)
    return Totals(
        count=sum(t.count for t in parts),
        min=min(t.min for t in parts if t.min is not None),
        max=max(t.max for t in parts if t.max is not None),
        sum=sum(t.sum for t in parts if t.sum is not None),
        sum_arrhenius=sum(t.sum_arrhenius for t in parts if t.sum_arrhenius is not None),
        first=min(t.first for t in parts if t.first is not None),
        last=max(t.last for t in parts if t.last is not None),
    )


def figures(totals: Totals, quantity: str) -> Figures:
    """Count, min, max, mean and (for temperature) MKT of some totals."""
    if not totals.count:
        return Figures(0, None, None, None, None, None, None)
    mean = totals.sum / totals.count if totals.sum is not None else None
    mkt = None
    if quantity == "temperature" and totals.sum_arrhenius:
        mkt = mkt_from_terms(totals.sum_arrhenius, totals.count)
    return Figures(totals.count, totals.min, totals.max, mean, mkt, totals.first, totals.last)


def overlap_s(start: datetime, end: datetime, span: Span) -> float:
    """Seconds of [start, end) within the span."""
    low = max(start, span.start)
    high = min(end, span.end or end + _FAR)
    return max((high - low).total_seconds(), 0.0)


def clip_excursions(
    records: Iterable[ExcursionRecord], spans: Sequence[Span]
) -> list[ExcursionRow]:
    """The excursions that overlap the spans, each once, their duration counted within them.

    An excursion still going on lasts to its newest reading. Several batches' records of one
    excursion (the contents of one unit) count once.
    """
    rows: dict[tuple[object, ...], ExcursionRow] = {}
    for record in records:
        until = record.end or record.last
        seconds = sum(
            overlap_s(record.start, until, span)
            for span in spans
            if (span.site_id, span.location) == (record.site_id, record.location)
        )
        touches = any(
            (s.site_id, s.location) == (record.site_id, record.location)
            and record.start < (s.end or record.start + _FAR)
            and until >= s.start
            for s in spans
        )
        if not touches:
            continue
        key = (record.site_id, record.location, record.direction, record.start, record.end)
        rows.setdefault(
            key,
            ExcursionRow(
                record.site_id,
                record.location,
                "high" if record.direction == "high" else "low",
                record.start,
                record.end,
                until,
                seconds,
                record.peak,
                record.alert_id,
            ),
        )
    return sorted(rows.values(), key=lambda r: (r.start, r.location, r.direction))


def limit_figures(excursions: Sequence[ExcursionRow], profile: Profile) -> list[LimitFigures]:
    """Per limit of the profile (high, low): excursions, longest single and cumulative time."""
    limits: list[LimitFigures] = []
    for direction, limit in (("high", profile.max_value), ("low", profile.min_value)):
        if limit is None:
            continue
        durations = [e.duration_s for e in excursions if e.direction == direction]
        longest = max(durations, default=0.0)
        limits.append(
            LimitFigures(
                direction="high" if direction == "high" else "low",
                limit=limit,
                excursions=len(durations),
                longest_s=longest,
                total_s=sum(durations),
                single_exceeded=bool(durations) and longest >= profile.single_excursion_s,
            )
        )
    return limits


def edge_gaps_s(
    span: Span, first: datetime | None, last: datetime | None, until: datetime
) -> float:
    """The longer of the span's start to its first reading and its last reading to its end.

    An open span ends at `until` (when the report was made); a span without readings is one gap.
    """
    end = span.end or until
    if first is None or last is None:
        return max((end - span.start).total_seconds(), 0.0)
    return max((first - span.start).total_seconds(), (end - last).total_seconds(), 0.0)


def out_of_range_s(excursions: Sequence[ExcursionRow], span: Span) -> float:
    """Seconds of the excursions at the span's place within the span."""
    return sum(
        overlap_s(e.start, e.until, span)
        for e in excursions
        if (e.site_id, e.location) == (span.site_id, span.location)
    )
