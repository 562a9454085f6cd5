"""Recall: from a batch, a logistic unit or a serial, everything affected, forward and backward.

The use case the API, the web UI and `txng recall` share. Forward: the batches made from the
start (transitively), the units that carried them, their shipments, the sites that received
them; backward: what the start was made from. Batches packed into the same units as a forward
batch are listed as shared (they travelled together). Seen from one site (an operator's), the
recall shows that site's part in full and its direct suppliers and customers by name and
handover time only (one step back, one step forward), as food law asks of each party.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import recall_store as store
from cloud.db import timeline_store as trace
from cloud.db import units_store
from cloud.trace.recall_models import (
    Direction,
    Recall,
    RecallBatch,
    RecallPlace,
    RecallStart,
    RecallUnit,
)
from cloud.trace.story import receivers_of, shipments_of
from cloud.trace.story_models import Receiver, Shipment, Step


class RecallNotFound(LookupError):
    """The batch, unit or serial a recall starts from is not known."""


_GTIN = re.compile(r"^(\d{8}|\d{12,14})$")
_SSCC = re.compile(r"^\d{18}$")
_CSET82 = re.compile(r"^[!-~]{1,20}$")


def parse_start(kind: str, codes: Sequence[str]) -> RecallStart:
    """The start of a recall from typed codes; ValueError names what is wrong."""
    wanted = {"batch": 2, "sscc": 1, "serial": 2}[kind]
    if len(codes) != wanted:
        raise ValueError(f"`recall {kind}` takes {wanted} code(s), got {len(codes)}")
    if kind == "sscc":
        if not _SSCC.match(codes[0]):
            raise ValueError(f"SSCC {codes[0]!r}: 18 digits expected")
        return RecallStart(kind="sscc", sscc=codes[0])
    gtin, other = codes
    if not _GTIN.match(gtin):
        raise ValueError(f"GTIN {gtin!r}: 8, 12, 13 or 14 digits expected")
    if not _CSET82.match(other):
        raise ValueError(f"{'lot' if kind == 'batch' else 'serial'} {other!r}: 1-20 GS1 characters")
    if kind == "batch":
        return RecallStart(kind="batch", gtin=gtin.zfill(14), lot=other)
    return RecallStart(kind="serial", gtin=gtin.zfill(14), serial=other)


def start_batches(cur: Cursor, start: RecallStart) -> list[int]:
    """The batches a recall starts from (a unit: what it holds)."""
    found: list[int] = []
    if start.kind == "batch" and start.gtin and start.lot:
        batch_id = trace.find_batch(cur, start.gtin, start.lot)
        found = [batch_id] if batch_id is not None else []
    elif start.kind == "sscc" and start.sscc:
        found = store.batches_in_unit(cur, start.sscc)
        if not found and store.unit_known(cur, start.sscc):
            return []  # a unit whose contents are not known: the recall is the unit's own
    elif start.kind == "serial" and start.gtin and start.serial:
        batch_id = store.batch_of_serial(cur, start.gtin, start.serial)
        found = [batch_id] if batch_id is not None else []
    if not found:
        raise RecallNotFound(f"nothing known for {start.model_dump(exclude_none=True)}")
    return found


def _walk(
    cur: Cursor, starts: Sequence[int], *, inputs: bool, max_hops: int
) -> dict[int, tuple[int, int | None]]:
    """Batch id → (hop, the batch it was reached from), breadth first from `starts`."""
    reached: dict[int, tuple[int, int | None]] = {b: (0, None) for b in starts}
    frontier, hop = list(starts), 0
    while frontier and hop < max_hops:
        hop += 1
        following = []
        for from_id, batch_id, *_ in trace.batches_linked(cur, frontier, inputs=inputs):
            if batch_id not in reached:
                reached[batch_id] = (hop, from_id)
                following.append(batch_id)
        frontier = following
    return reached


def recall(
    cur: Cursor, start: RecallStart, *, site: str | None = None, max_hops: int = 10
) -> Recall:
    """What the recall concerns, as `site` may see it (None: the whole chain)."""
    starts = start_batches(cur, start)
    if not starts and start.sscc:
        return _unit_recall(cur, start, start.sscc, site)
    forward = _walk(cur, starts, inputs=False, max_hops=max_hops)
    backward = _walk(cur, starts, inputs=True, max_hops=max_hops)
    direction: dict[int, tuple[Direction, int, int | None]] = {}
    for batch_id, (hop, via) in backward.items():
        direction[batch_id] = ("backward", hop, via)
    for batch_id, (hop, via) in forward.items():
        direction[batch_id] = ("start" if hop == 0 else "forward", hop, via)
    unit_rows = trace.units_of(cur, sorted(direction))
    ahead = {b for b, (d, _, _) in direction.items() if d != "backward"}
    ahead_units = sorted({sscc for b, sscc, *_ in unit_rows if b in ahead})
    for _, batch_id, *_ in trace.contents_of(cur, ahead_units):
        direction.setdefault(batch_id, ("shared", 1, None))
    steps = _steps_by_batch(cur, sorted(direction))
    seen_at = {b: {s.site_id for s in steps.get(b, [])} for b in direction}
    rows = {int(r["id"]): r for r in store.batch_rows(cur, sorted(direction))}
    batches = _batches(rows, direction, seen_at, site)
    shown = {b.id for b in batches}
    units = [
        RecallUnit(sscc=sscc, batch_id=b, direction=direction[b][0], packed_at=at, site_id=s)
        for b, sscc, at, s in unit_rows
        if b in shown and (site is None or s == site)
    ]
    ahead_steps = [steps.get(b, []) for b in sorted(ahead & shown)]
    shipments = _shipments(ahead_steps, site)
    return Recall(
        start=start,
        batches=batches,
        units=units,
        shipments=shipments,
        receivers=_receivers(ahead_steps, shipments, site),
        places=_places(cur, direction, shown, unit_rows, site),
        scope="all" if site is None else "site",
    )


def _unit_recall(cur: Cursor, start: RecallStart, sscc: str, site: str | None) -> Recall:
    """A unit of unknown contents: where it was, where it went, who received it."""
    steps = [
        Step.model_validate(r | {"conditions": None, "alerts": [], "handover": False})
        for r in units_store.unit_steps(cur, sscc)
    ]
    stays = trace.places_of(cur, [], [sscc])
    if site is not None and site not in {s.site_id for s in steps} | {p[2] for p in stays}:
        raise RecallNotFound(f"nothing of site {site!r} in this recall")
    shipments = _shipments([steps], site)
    spans: dict[tuple[str, str, Direction], tuple[datetime, datetime | None]] = {}
    for _, _, place_site, location, begin, end, _ in stays:
        if site is None or place_site == site:
            _widen(spans, (place_site, location, "start"), begin, end)
    return Recall(
        start=start,
        batches=[],
        units=[],
        shipments=shipments,
        receivers=_receivers([steps], shipments, site),
        places=_named_places(cur, spans),
        scope="all" if site is None else "site",
    )


def _steps_by_batch(cur: Cursor, batch_ids: Sequence[int]) -> dict[int, list[Step]]:
    steps: dict[int, list[Step]] = {}
    for row in store.steps_of(cur, batch_ids):
        step = Step.model_validate(row | {"conditions": None, "alerts": [], "handover": False})
        steps.setdefault(int(row["batch_id"]), []).append(step)
    return steps


def _batches(
    rows: dict[int, dict[str, Any]],
    direction: dict[int, tuple[Direction, int, int | None]],
    seen_at: dict[int, set[str]],
    site: str | None,
) -> list[RecallBatch]:
    own = {b for b, sites in seen_at.items() if site is None or site in sites}
    if site is not None:
        own |= {b for b, row in rows.items() if row["site_id"] == site}
    if not own:
        raise RecallNotFound(f"nothing of site {site!r} in this recall")
    # One step back and one forward of what is the site's own: suppliers' and customers' batches.
    shown = own | {b for b, (_, _, via) in direction.items() if via in own}
    shown |= {via for b in own if (via := direction[b][2]) is not None}
    batches = []
    for batch_id, row in rows.items():
        if batch_id not in shown:
            continue
        kind, hop, _ = direction[batch_id]
        batches.append(
            RecallBatch.model_validate(
                row
                | {"direction": kind, "hop": hop}
                | ({} if batch_id in own else {"serials": None})
            )
        )
    order = {"start": 0, "forward": 1, "backward": 2, "shared": 3}
    return sorted(batches, key=lambda b: (order[b.direction], b.hop, b.id))


def _shipments(batch_steps: Iterable[list[Step]], site: str | None) -> list[Shipment]:
    found: dict[tuple[str, str | None, datetime, str | None], Shipment] = {}
    for steps in batch_steps:
        for shipment in shipments_of(steps):
            if site is not None and site not in (shipment.site_id, shipment.to_site):
                continue
            if site is not None and shipment.site_id != site:
                shipment = shipment.model_copy(update={"location": None, "units": None})
            key = (shipment.site_id, shipment.location, shipment.first_time, shipment.to_site)
            found.setdefault(key, shipment)
    return sorted(found.values(), key=lambda s: (s.first_time, s.site_id))


def _receivers(
    batch_steps: Iterable[list[Step]], shipments: Sequence[Shipment], site: str | None
) -> list[Receiver]:
    first: dict[str, Receiver] = {}
    for steps in batch_steps:
        for receiver in receivers_of(steps, steps[0].site_id if steps else None):
            known = first.get(receiver.site_id)
            if known is None or receiver.first_time < known.first_time:
                first[receiver.site_id] = receiver
    if site is not None:  # only the sites it handed goods to
        direct = {s.to_site for s in shipments if s.site_id == site}
        first = {k: v for k, v in first.items() if k in direct}
    return sorted(first.values(), key=lambda r: (r.first_time, r.site_id))


def _places(
    cur: Cursor,
    direction: dict[int, tuple[Direction, int, int | None]],
    shown: set[int],
    unit_rows: Sequence[tuple[int, str, datetime, str]],
    site: str | None,
) -> list[RecallPlace]:
    batch_ids = sorted(shown)
    unit_batch = {sscc: b for b, sscc, *_ in unit_rows if b in shown}
    spans: dict[tuple[str, str, Direction], tuple[datetime, datetime | None]] = {}
    for batch_id, sscc, place_site, location, start, end, _ in trace.places_of(
        cur, batch_ids, sorted(unit_batch)
    ):
        if site is not None and place_site != site:
            continue
        owner = batch_id if batch_id is not None else unit_batch.get(sscc or "")
        if owner is None:
            continue
        _widen(spans, (place_site, location, direction[owner][0]), start, end)
    return _named_places(cur, spans)


Spans = dict[tuple[str, str, Direction], tuple[datetime, datetime | None]]


def _widen(
    spans: Spans, key: tuple[str, str, Direction], start: datetime, end: datetime | None
) -> None:
    """Let the span of `key` cover [start, end) (end None: still there)."""
    low, high = spans.get(key, (start, end))
    spans[key] = (min(low, start), None if end is None or high is None else max(high, end))


def _named_places(cur: Cursor, spans: Spans) -> list[RecallPlace]:
    names = store.place_names(cur, sorted({(s, loc) for s, loc, _ in spans}))
    places = [
        RecallPlace(
            site_id=s,
            site_name=names.get((s, loc), (None, None))[0],
            location=loc,
            location_name=names.get((s, loc), (None, None))[1],
            direction=kind,
            first_time=low,
            last_time=high,
        )
        for (s, loc, kind), (low, high) in spans.items()
    ]
    return sorted(places, key=lambda p: (p.first_time, p.site_id, p.location))
