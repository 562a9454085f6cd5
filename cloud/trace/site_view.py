"""What an operator of one site sees of a batch that travelled through other sites.

Traceability needs one step back and one step forward, not the other sites' operations. Of
its own site the operator sees everything: events, stays with their readings, alerts. Of
every other site only its identity and the handover times: the other site's last event
before the batch reached the operator's site, and its first event after the batch left it
(time, site and business step; not the place, the event's id or the logistic unit). The
other sites' stays (their readings), alerts and internal events are left out, and the series
and forwarding counts are computed from the operator's own stays and events. Captured EPCIS events
count as events of the site they were captured for; those a partner asserts are shown, with
their label, to that site only. The batch's own
master data (product, producing site, origin, dates: printed on its pack and its public
consumer page) and its links one step back and forward (the batches it was made from and
into, the units it was packed into) stay. Cold-chain reports (cloud/reports/) apply the same
view: an operator's report covers their own site's stays, readings, alerts and events, and
lists the other sites' handovers by time, site and business step.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from cloud.trace.timeline_models import Entry

T = TypeVar("T", bound="Entry")


def handover_positions(sites: Sequence[str | None], site: str) -> set[int]:
    """Positions of other sites' events next to one of `site`'s (the step back and forward).

    `sites`: the site of each event, in time order.
    """
    keep = set()
    for i, here in enumerate(sites):
        if here == site:
            continue
        before = sites[i - 1] if i > 0 else None
        after = sites[i + 1] if i + 1 < len(sites) else None
        if site in (before, after):
            keep.add(i)
    return keep


HIDDEN = {"location": None, "event_id": None, "via_sscc": None}  # of another site's handover
Marked = tuple[str, str | None, str | None, str | None]  # kind, site, asserted_by, captured_by


def sight(entries: Sequence[Marked], site: str) -> list[bool | None]:
    """Per entry: None not shown, False shown whole, True shown as a handover (HIDDEN cut)."""
    events = [i for i, e in enumerate(entries) if e[0] == "event" and e[2] != "partner"]
    handovers = {events[i] for i in handover_positions([entries[i][1] for i in events], site)}
    marks: list[bool | None] = []
    for i, (kind, here, asserted_by, captured_by) in enumerate(entries):
        if asserted_by == "partner":
            marks.append(False if captured_by == site else None)
        elif kind == "origin" or here == site:
            marks.append(False)
        else:
            marks.append(True if i in handovers else None)
    return marks


def seen_from(entries: list[T], site: str) -> list[T]:
    """The timeline's entries as an operator of `site` may see them."""
    marks = sight([(e.kind, e.site, e.asserted_by, e.captured_by) for e in entries], site)
    return [
        e.model_copy(update=HIDDEN) if mark else e
        for e, mark in zip(entries, marks, strict=True)
        if mark is not None
    ]
