"""Assemble a report from its scope: figures from the rollups, evidence from the stored records."""

from collections.abc import Sequence
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.batches.handlers import BATCH, UNIT, BatchKey, UnitKey
from cloud.coldchain.handlers import COLD_CHAIN_BATCH, COLD_CHAIN_LOCATION, BatchIdKey
from cloud.db import alerts_history, readings_raw, sensors_store, work_queue
from cloud.db.alerts_history import AlertRecord
from cloud.db.chain_store import ChainedEvent
from cloud.db.excursions_store import excursions_of_batches
from cloud.db.rollups_query import (
    FINE_WIDTH_S,
    Span,
    Totals,
    level_series,
    series_width,
    span_totals,
)
from cloud.db.rollups_store import LocationKey
from cloud.reports import figures as fig
from cloud.reports.model import (
    ChainReference,
    ExcursionRow,
    Point,
    Report,
    SensorRow,
    StayFigures,
)
from cloud.reports.scope import Scope
from cloud.reports.verdict import decide

SERIES_POINTS = 500


def _stays(
    cur: Cursor,
    scope: Scope,
    totals: Sequence[Totals],
    excursions: Sequence[ExcursionRow],
    quantity: str,
    now: datetime,
) -> list[StayFigures]:
    gaps = readings_raw.longest_gaps(cur, scope.spans, quantity)
    places = sensors_store.places(cur, sorted({(s.site_id, s.location) for s in scope.spans}))
    stays = []
    for span, total, inner in zip(scope.spans, totals, gaps, strict=True):
        edge = fig.edge_gaps_s(span, total.first, total.last, now)
        place = places.get((span.site_id, span.location))
        stays.append(
            StayFigures(
                span=span,
                kind=place.kind if place else None,
                figures=fig.figures(total, quantity),
                out_of_range_s=fig.out_of_range_s(excursions, span),
                longest_gap_s=max(edge, inner.total_seconds() if inner else 0.0),
            )
        )
    return stays


def _sensors(cur: Cursor, spans: Sequence[Span], quantity: str) -> list[SensorRow]:
    counts = readings_raw.probe_counts(cur, spans, quantity)
    keys = sorted({(spans[c.span].site_id, c.device_id, c.sensor) for c in counts})
    calibrations = sensors_store.calibrations(cur, keys)
    places = sensors_store.places(cur, sorted({(s.site_id, s.location) for s in spans}))
    merged: dict[tuple[str, str, str, str], SensorRow] = {}
    for c in counts:
        span = spans[c.span]
        key = (span.site_id, span.location, c.device_id, c.sensor)
        old = merged.get(key)
        merged[key] = SensorRow(
            site_id=span.site_id,
            location=span.location,
            place=places.get((span.site_id, span.location)),
            device_id=c.device_id,
            sensor=c.sensor,
            good=c.good + (old.good if old else 0),
            suspect=c.suspect + (old.suspect if old else 0),
            first=min(c.first, old.first) if old else c.first,
            last=max(c.last, old.last) if old else c.last,
            calibration=calibrations.get((span.site_id, c.device_id, c.sensor)),
        )
    return [merged[k] for k in sorted(merged)]


def _alerts(cur: Cursor, scope: Scope) -> list[AlertRecord]:
    found = alerts_history.alerts_of_batches(cur, [b.id for b in scope.batches])
    if scope.seen_by is not None:
        found = [a for a in found if a.site_id == scope.seen_by]
    if scope.kind == "batch":
        return found
    places = {(s.site_id, s.location) for s in scope.spans}
    low = scope.start
    high = scope.end
    return [
        a
        for a in found
        if (a.location is None or (a.site_id, a.location) in places)
        and (high is None or a.started_at <= high)
        and (low is None or a.ended_at is None or a.ended_at >= low)
    ]


def chain_references(events: Sequence[ChainedEvent]) -> list[ChainReference]:
    """Per site: the report's events, how many are not chained, and the highest link."""
    refs = []
    for site in sorted({e.site_id for e in events}):
        mine = [e for e in events if e.site_id == site]
        chained = [e for e in mine if e.position is not None]
        top = max(chained, key=lambda e: e.position or 0, default=None)
        refs.append(
            ChainReference(
                site_id=site,
                events=len(mine),
                unchained=len(mine) - len(chained),
                position=top.position if top else None,
                hash=top.hash if top else None,
            )
        )
    return refs


def _series(
    cur: Cursor, spans: Sequence[Span], totals: Sequence[Totals], quantity: str, points: int
) -> list[Point]:
    firsts = [t.first for t in totals if t.first is not None]
    lasts = [t.last for t in totals if t.last is not None]
    if not firsts or not lasts:
        return []
    life = (min(firsts), max(lasts))
    width = series_width(life, points) or FINE_WIDTH_S
    _, buckets = level_series(cur, spans, quantity, points, width, life)
    return [Point(*bucket) for bucket in buckets]


def _pending(cur: Cursor, scope: Scope, quantity: str) -> int:
    keys = {
        COLD_CHAIN_LOCATION.queued(LocationKey(s.site_id, s.location, quantity))
        for s in scope.spans
    }
    keys |= {COLD_CHAIN_BATCH.queued(BatchIdKey(b.id)) for b in scope.batches}
    keys |= {BATCH.queued(BatchKey(b.gtin, b.lot)) for b in scope.batches}
    if scope.sscc is not None:
        keys.add(UNIT.queued(UnitKey(scope.sscc)))
    return work_queue.pending_of(cur, sorted(keys))


def _untracked_s(scope: Scope, now: datetime) -> float:
    """A shipment's time not covered by any of its legs (0 for a batch or a stay)."""
    if scope.kind != "shipment" or scope.start is None:
        return 0.0
    end = scope.end or now
    covered = sum(fig.overlap_s(scope.start, end, leg) for leg in scope.spans)
    return max((end - scope.start).total_seconds() - covered, 0.0)


def assemble(cur: Cursor, scope: Scope, *, now: datetime, points: int = SERIES_POINTS) -> Report:
    """The report of `scope`, read with `cur` (one snapshot: the caller's transaction)."""
    profile = scope.profile
    quantity = profile.quantity if profile is not None else "temperature"
    spans = list(scope.spans)
    totals = span_totals(cur, spans, quantity)
    records = (
        excursions_of_batches(cur, [b.id for b in scope.batches], quantity)
        if profile is not None
        else []
    )
    excursions = fig.clip_excursions(records, spans)
    stays = _stays(cur, scope, totals, excursions, quantity, now)
    overall = fig.figures(fig.combine(totals), quantity)
    limits = fig.limit_figures(excursions, profile) if profile is not None else []
    out_of_range = sum(e.duration_s for e in excursions)
    chain = chain_references(scope.events)
    pending = _pending(cur, scope, quantity)
    untracked = _untracked_s(scope, now)
    return Report(
        kind=scope.kind,
        generated_at=now,
        quantity=quantity,
        start=scope.start,
        end=scope.end,
        batches=scope.batches,
        sscc=scope.sscc,
        from_site=scope.from_site,
        to_site=scope.to_site,
        profile=profile,
        overall=overall,
        stays=(*stays,),
        limits=(*limits,),
        out_of_range_s=out_of_range,
        sensors=(*_sensors(cur, spans, quantity),),
        excursions=(*excursions,),
        alerts=(*_alerts(cur, scope),),
        events=scope.events,
        chain=(*chain,),
        series=(*_series(cur, spans, totals, quantity, points),),
        pending_work=pending,
        untracked_s=untracked,
        seen_by=scope.seen_by,
        handovers=scope.handovers,
        verdict=decide(
            profile,
            overall=overall,
            stays=stays,
            limits=limits,
            out_of_range_s=out_of_range,
            ongoing=scope.ongoing,
            pending_work=pending,
            chain=chain,
            untracked_s=untracked,
        ),
    )
