"""A batch's story: its life grouped into steps, conditions and alerts inline, one step each way.

Each business step at each place is one row (scans, serials, units, first and last time,
readers), from `batch_steps`, which the derive worker keeps. The readings of the batch's stays
at a place (merged, so none counts twice) and the alerts there go on the place's first row.
One step back: the batches it was made from; forward: the logistic units it was packed into,
its shipments with the next site each reached, the other sites it reached, the batches made
from it.

Seen from one site (an operator's): that site's steps in full; of the site just before and
the site just after, only their identity and handover times; nothing of sites further away.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from psycopg2.extensions import cursor as Cursor

from cloud.db import batch_steps_store as store
from cloud.db.mkt import mkt_from_terms
from cloud.db.readings_query import SeriesPoint, merged_series, merged_totals
from cloud.db.rollups_query import Span, Totals
from cloud.trace.story_models import (
    CapturedStep,
    ColdVerdict,
    LinkedBatch,
    Receiver,
    Shipment,
    Step,
    StepAlert,
    StepConditions,
    StepEvent,
    StepEvents,
    Story,
    StoryBack,
    StoryForward,
)
from cloud.trace.timeline_models import BatchRef, Origin, UnitRef

SHIPPING_STEPS = frozenset({"shipping", "departing", "loading"})  # leaving for another site
Place = tuple[str, str]  # (site, location)


def batch_story(cur: Cursor, batch_id: int, *, site: str | None = None) -> Story | None:
    """The story of a batch as `site` may see it (None: every site); None if no such batch."""
    found = story_and_series(cur, batch_id, site=site, points=0)
    return found[0] if found else None


def public_story(facts: store.StoryFacts) -> tuple[Story, dict[Place, ColdVerdict]]:
    """The story without readings, and per place the cold-chain verdict (a consumer's needs).

    From the story's facts as read (batches_store.consumer_page reads them with the batch).
    """
    return _assemble(facts, {}, None), verdicts_of(facts)


def verdicts_of(facts: store.StoryFacts) -> dict[Place, ColdVerdict]:
    """Per place of the steps, the cold-chain verdict; none without a temperature profile.

    Excursion (time out of range there), ok (readings there and none out of range) or
    no_readings.
    """
    verdicts: dict[Place, ColdVerdict] = {}
    if facts.monitored:
        places = {(r["site_id"], r["location"]) for r in facts.steps}
        measured = {(r["site_id"], r["location"]) for r in facts.steps if r["measured"]}
        out = {(r["site_id"], r["location"]): r["seconds"] for r in facts.out_of_range}
        for place in places:
            verdicts[place] = (
                "excursion" if out.get(place) else "ok" if place in measured else "no_readings"
            )
    return verdicts


def story_and_series(
    cur: Cursor, batch_id: int, *, site: str | None = None, points: int = 300
) -> tuple[Story, list[SeriesPoint]] | None:
    """The story and (points > 0) the temperature series, from what one pass reads."""
    facts = store.story_facts(cur, batch_id)
    if facts is None:
        return None
    merged = merged_totals(cur, batch_id)
    if site is not None:  # another site's readings are not shown
        shown = [(s, t) for s, t in zip(*merged, strict=True) if s.site_id == site]
        merged = ([s for s, _ in shown], [t for _, t in shown])
    series = merged_series(cur, batch_id, merged, points=points) if points > 0 else []
    return _assemble(facts, _conditions(facts, *merged), site), series


def _conditions(
    facts: store.StoryFacts, spans: Sequence[Span], totals: Sequence[Totals]
) -> dict[Place, StepConditions]:
    """Per place: its merged stays' readings summed, and the batch's excursion time there."""
    out_of_range = {(r["site_id"], r["location"]): r["seconds"] for r in facts.out_of_range}
    per_place: dict[Place, list[tuple[Span, Totals]]] = {}
    for span, total in zip(spans, totals, strict=True):
        per_place.setdefault((span.site_id, span.location), []).append((span, total))
    summaries = {}
    for place, parts in per_place.items():
        count = sum(t.count for _, t in parts)
        counted = [t for _, t in parts if t.count]
        arrhenius = sum(t.sum_arrhenius or 0.0 for t in counted)
        ends = [s.end for s, _ in parts]
        summaries[place] = StepConditions(
            start=min(s.start for s, _ in parts),
            end=None if None in ends else max(e for e in ends if e is not None),
            readings=count,
            min=min((t.min for t in counted if t.min is not None), default=None),
            max=max((t.max for t in counted if t.max is not None), default=None),
            mean=sum(t.sum or 0.0 for t in counted) / count if count else None,
            mkt=mkt_from_terms(arrhenius, count) if count and arrhenius else None,
            out_of_range_s=out_of_range.get(place, 0.0) if facts.monitored else None,
        )
    return summaries


def _assemble(
    facts: store.StoryFacts, conditions: dict[Place, StepConditions], site: str | None
) -> Story:
    alerts = [StepAlert.model_validate(a) for a in facts.alerts]
    if site is not None:
        alerts = [a for a in alerts if a.site_id == site]
    placed: set[Place] = set()
    steps = []
    for row in facts.steps:
        place = (row["site_id"], row["location"])
        first_at_place = place not in placed
        placed.add(place)
        steps.append(
            Step.model_validate(
                {
                    **row,
                    "conditions": conditions.get(place) if first_at_place else None,
                    "alerts": [a for a in alerts if (a.site_id, a.location) == place]
                    if first_at_place
                    else [],
                    "handover": False,
                }
            )
        )
    unplaced = [a for a in alerts if (a.site_id, a.location) not in placed]
    units = [UnitRef.model_validate({**u, "site": u["site_id"]}) for u in facts.units]
    if site is not None:
        steps = seen_from(steps, site)
        units = [u for u in units if u.site == site]
    return Story(
        batch=BatchRef.model_validate(facts.header),
        origin=Origin.model_validate(facts.header),
        steps=steps,
        alerts=unplaced,
        captured=[
            CapturedStep.model_validate(c)
            for c in facts.captured
            if site is None or c["captured_by"] == site
        ],
        back=StoryBack(inputs=[LinkedBatch.model_validate(b) for b in facts.inputs]),
        forward=StoryForward(
            units=units,
            shipments=shipments_of(steps),
            receivers=receivers_of(steps, facts.header.get("site_id")),
            outputs=[LinkedBatch.model_validate(b) for b in facts.outputs],
        ),
        scope="all" if site is None else "site",
    )


def seen_from(steps: Sequence[Step], site: str) -> list[Step]:
    """`site`'s steps, and the handovers with the sites just before and after it."""
    own = [i for i, s in enumerate(steps) if s.site_id == site]
    if not own:
        return []
    before = next((s for s in reversed(steps[: own[0]]) if s.site_id != site), None)
    after = next((s for s in steps[own[-1] + 1 :] if s.site_id != site), None)
    shown: list[Step] = []
    if before is not None:
        shown.append(handover(before))
    shown += [s for s in steps if s.site_id == site]
    if after is not None:
        shown.append(handover(after))
    return shown


def handover(step: Step) -> Step:
    """Another site's step as its identity and times only."""
    hidden = dict.fromkeys(("location", "location_name", "location_kind", "scans"), None)
    hidden |= {"serials": None, "units": None, "readers": [], "conditions": None, "alerts": []}
    return step.model_copy(update={**hidden, "handover": True})


def shipments_of(steps: Sequence[Step]) -> list[Shipment]:
    """Shipments: goods leaving a site, and the next site scanned after (where they went).

    The one definition of a shipment (the story's, the recall's and the cold-chain reports'):
    a shipping step (shipping, departing, loading) at a site, with the shipping steps of that
    site right after it (shipped at the dock, then loaded onto the truck: one shipment); it
    arrived where the next step at another site began (none yet: in transit). `steps`: in
    the order they began.
    """
    shipments: list[Shipment] = []
    for i, step in enumerate(steps):
        if step.biz_step not in SHIPPING_STEPS:
            continue
        before = steps[i - 1] if i > 0 else None
        if (
            shipments
            and before is not None
            and before.biz_step in SHIPPING_STEPS
            and before.site_id == step.site_id == shipments[-1].site_id
        ):
            last = shipments[-1]
            units = [u for u in (last.units, step.units) if u is not None]
            shipments[-1] = last.model_copy(
                update={
                    "last_time": max(last.last_time, step.last_time),
                    "units": max(units) if units else None,
                }
            )
            continue
        arrival = next((s for s in steps[i + 1 :] if s.site_id != step.site_id), None)
        shipments.append(
            Shipment(
                site_id=step.site_id,
                location=step.location,
                biz_step=step.biz_step,
                first_time=step.first_time,
                last_time=step.last_time,
                units=step.units,
                to_site=arrival.site_id if arrival else None,
                to_site_name=arrival.site_name if arrival else None,
                arrived_at=arrival.first_time if arrival else None,
            )
        )
    return shipments


def receivers_of(steps: Sequence[Step], producer: str | None) -> list[Receiver]:
    """Each site after the first (and the producer's), at its first step: receiving parties."""
    seen = {producer, steps[0].site_id} if steps else {producer}
    receivers = []
    for step in steps:
        if step.site_id in seen:
            continue
        seen.add(step.site_id)
        receivers.append(
            Receiver(
                site_id=step.site_id,
                site_name=step.site_name,
                first_time=step.first_time,
                biz_step=step.biz_step,
            )
        )
    return receivers


def step_events(
    cur: Cursor, batch_id: int, key: store.StepKey, *, after: str | None, limit: int
) -> StepEvents:
    """A page of one step's scans; `after` is a `next` cursor of the page before."""
    start = _cursor(after) if after else (datetime(1, 1, 1, tzinfo=UTC), store.FIRST_ID)
    rows = store.step_events(cur, batch_id, key, after=start, limit=limit + 1)
    items = [StepEvent.model_validate(r) for r in rows[:limit]]
    last = items[-1] if len(rows) > limit else None
    return StepEvents(items=items, next=f"{last.time.isoformat()}|{last.id}" if last else None)


class BadCursor(ValueError):
    """A page cursor that is not one this service wrote."""


def _cursor(text: str) -> tuple[datetime, str]:
    at, _, event_id = text.partition("|")
    try:
        time = datetime.fromisoformat(at)
    except ValueError as err:
        raise BadCursor(f"not a page cursor: {text!r}") from err
    try:
        event = uuid.UUID(event_id)
    except ValueError as err:
        raise BadCursor(f"not a page cursor: {text!r}") from err
    if time.tzinfo is None:
        raise BadCursor(f"not a page cursor: {text!r}")
    return time, str(event)
