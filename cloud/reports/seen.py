"""A report's scope as an operator of one site sees it (the design: cloud/trace/site_view.py).

The operator's own site's stays (their readings, sensors, excursions and alerts follow the
spans) and events; of the other sites only the handovers next to the operator's events: time,
site and business step. A batch or stay report's period is the operator's own part of it; a
shipment keeps its period, since the operator's site is one of its ends.
"""

from dataclasses import replace

from cloud.reports.model import Handover
from cloud.reports.scope import Scope
from cloud.trace.site_view import handover_positions


def seen_from(scope: Scope, site: str) -> Scope:
    """`scope` cut to what an operator of `site` may see."""
    spans = tuple(s for s in scope.spans if s.site_id == site)
    positions = handover_positions([e.site_id for e in scope.events], site)
    handovers = tuple(
        Handover(e.time, e.site_id, e.biz_step)
        for i, e in enumerate(scope.events)
        if i in positions
    )
    events = tuple(e for e in scope.events if e.site_id == site)
    if scope.kind == "shipment":
        return replace(scope, spans=spans, events=events, seen_by=site, handovers=handovers)
    ongoing = any(s.end is None for s in spans)
    ends = [s.end for s in spans if s.end is not None]
    return replace(
        scope,
        spans=spans,
        events=events,
        start=min((s.start for s in spans), default=None),
        end=None if ongoing or not ends else max(ends),
        ongoing=ongoing,
        seen_by=site,
        handovers=handovers,
    )
