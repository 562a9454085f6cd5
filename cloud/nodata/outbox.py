"""When an agent's outbox "keeps growing": the rule, on the heartbeats of one window."""

from collections.abc import Sequence
from dataclasses import dataclass

from cloud.db.device_health_store import OutboxSample


@dataclass(frozen=True)
class OutboxRule:
    """Thresholds of the rule (see `growing`)."""

    window_s: float = 900.0
    min_depth: int = 100
    min_growth: int = 50


def growing(samples: Sequence[OutboxSample], rule: OutboxRule) -> bool:
    """Whether the outbox is in trouble over the window's heartbeats (oldest first).

    In trouble: the agent's own alarm (outbox nearly full), items dropped within the window,
    or growth: at least three heartbeats over half the window or more, the depth never below
    the first one's, at least `min_growth` more at the end and at least `min_depth` items.
    An outbox that is draining falls back, sooner or later, below where it started.
    """
    if not samples:
        return False
    last = samples[-1]
    if last.alarm or last.drops > samples[0].drops:
        return True
    if len(samples) < 3:
        return False
    span = (last.received_at - samples[0].received_at).total_seconds()
    first = samples[0].depth
    return (
        span >= rule.window_s / 2
        and min(s.depth for s in samples) >= first
        and last.depth - first >= rule.min_growth
        and last.depth >= rule.min_depth
    )


def drained(samples: Sequence[OutboxSample], depth_at_raise: int) -> OutboxSample | None:
    """The first heartbeat showing the outbox below its depth when the alert was raised."""
    for sample in samples:
        if not sample.alarm and sample.depth < depth_at_raise:
            return sample
    return None
