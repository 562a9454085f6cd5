"""Find excursions in a stay's readings by event time: per probe, with hysteresis, then merged.

Rules (ARCHITECTURE.md "Cold chain"):
- an excursion begins at the first reading outside [min_value, max_value];
- it ends at the first reading back inside by the hysteresis margin (<= max - h, >= min + h);
  a reading that jumps straight to the other side ends it and begins the opposite one;
- a stay that ends (the batch left) ends its open excursion at the stay's end;
- each probe (device + sensor) has its own state; overlapping spans of several probes at the
  same place are merged into one excursion, so time out of range is never counted twice.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from cloud.db.rows.coldchain import Profile, Sample, Span


def _probe_spans(samples: Sequence[Sample], profile: Profile, until: datetime | None) -> list[Span]:
    spans: list[Span] = []
    open_: Span | None = None
    for sample in samples:
        value, at = sample.value, sample.time
        if open_ is not None:
            leaves = open_.direction == "high" and profile.is_low(value)
            leaves = leaves or (open_.direction == "low" and profile.is_high(value))
            clears = profile.clears_high(value) if open_.direction == "high" else False
            clears = clears or (open_.direction == "low" and profile.clears_low(value))
            if leaves or clears:
                spans.append(replace(open_, end=at, last=at))
                open_ = None
            else:
                peak = (
                    max(open_.peak, value) if open_.direction == "high" else min(open_.peak, value)
                )
                open_ = replace(open_, last=at, peak=peak)
                continue
        if profile.is_high(value):
            open_ = Span("high", at, None, at, value)
        elif profile.is_low(value):
            open_ = Span("low", at, None, at, value)
    if open_ is not None:
        spans.append(replace(open_, end=until, last=until) if until is not None else open_)
    return spans


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.direction)):
        if merged and span.start < (merged[-1].end or merged[-1].last):
            head = merged[-1]
            ongoing = head.end is None or span.end is None
            last = max(head.last, span.last)
            end = None if ongoing else max(head.end or last, span.end or last)
            peak = (
                max(head.peak, span.peak) if head.direction == "high" else min(head.peak, span.peak)
            )
            merged[-1] = Span(head.direction, head.start, end, last, peak)
        else:
            merged.append(span)
    return merged


def find_excursions(
    samples: Sequence[Sample], profile: Profile, *, until: datetime | None = None
) -> list[Span]:
    """Excursions of one stay's samples (any order); `until` is the stay's end, if it ended."""
    by_probe: dict[str, list[Sample]] = {}
    for sample in sorted(samples, key=lambda s: (s.time, s.probe)):
        by_probe.setdefault(sample.probe, []).append(sample)
    spans = [span for group in by_probe.values() for span in _probe_spans(group, profile, until)]
    return _merge(spans)


def cumulative_crossing(spans: Sequence[Span], limit_s: int) -> datetime | None:
    """When the time out of range, summed in time order, reached `limit_s`; None if never."""
    total = timedelta(0)
    limit = timedelta(seconds=limit_s)
    for span in sorted(spans, key=lambda s: s.start):
        if total + span.duration >= limit:
            return span.start + (limit - total)
        total += span.duration
    return None
