"""Recall trace from a batch: forward (where it went, in what) and backward (its inputs).

Forward: where it went, what carried it, what was made of it; backward: what it was made of
and where that was. Hops, with the data we hold:
- forward, from a batch: each logistic unit it was packed into (unit_contents) and each batch
  made from it (batch_inputs, read in reverse) is one hop further; from a batch made from it,
  the walk continues (its units, the batches made from it, ...) up to `max_hops`. A unit is not
  followed into another unit (nested SSCCs are not recorded yet).
- backward, from a batch: each batch it was made from is one hop back, transitively.
- places: every stay of each batch reached (its own and inside units) and each unit's own stays.
- shared units: other batches packed into the same units as a forward batch (they travelled
  together; listed for a wider recall, not followed further).
"""

from datetime import datetime

from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, ConfigDict

from cloud.db import timeline_store as store
from cloud.db.pool import Database
from cloud.trace.timeline import BatchRef


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class BatchHop(_Model):
    """A batch reached after `hop` steps, and the batch it was reached from."""

    batch: BatchRef
    hop: int
    via_batch: int | None


class UnitHop(_Model):
    """A logistic unit that carried a forward batch, reached after `hop` steps."""

    sscc: str
    hop: int
    batch_id: int
    packed_at: datetime
    site: str


class Place(_Model):
    """A stay of a traced batch or unit."""

    batch_id: int | None
    sscc: str | None
    site: str
    location: str
    start: datetime
    end: datetime | None
    via_sscc: str | None


class Direction(_Model):
    """The batches, units and places of one direction of the trace."""

    batches: list[BatchHop]
    units: list[UnitHop]
    places: list[Place]


class RecallTrace(_Model):
    """Forward and backward from one batch."""

    batch: BatchRef
    forward: Direction
    backward: Direction
    shared_units: list[BatchRef]


def _walk(
    cur: Cursor, start: int, *, inputs: bool, max_hops: int
) -> tuple[list[BatchHop], list[UnitHop]]:
    seen = {start}
    batches: list[BatchHop] = []
    units: list[UnitHop] = []
    frontier, hop = [start], 0
    while frontier and hop < max_hops:
        hop += 1
        if not inputs:
            for batch_id, sscc, packed_at, site in store.units_of(cur, frontier):
                units.append(
                    UnitHop(sscc=sscc, hop=hop, batch_id=batch_id, packed_at=packed_at, site=site)
                )
        following = []
        for from_id, batch_id, gtin, lot, *_ in store.batches_linked(cur, frontier, inputs=inputs):
            if batch_id in seen:
                continue
            seen.add(batch_id)
            following.append(batch_id)
            batches.append(
                BatchHop(
                    batch=BatchRef(id=batch_id, gtin=gtin, lot=lot), hop=hop, via_batch=from_id
                )
            )
        frontier = following
    return batches, units


def _places(cur: Cursor, batch_ids: list[int], ssccs: list[str]) -> list[Place]:
    return [
        Place(batch_id=b, sscc=u, site=s, location=loc, start=t0, end=t1, via_sscc=via)
        for b, u, s, loc, t0, t1, via in store.places_of(cur, batch_ids, ssccs)
    ]


def recall_trace(database: Database, batch_id: int, *, max_hops: int = 10) -> RecallTrace | None:
    """Trace a batch forward and backward across up to `max_hops` hops; None if unknown."""
    with database.transaction() as conn, conn.cursor() as cur:
        header = store.batch_header(cur, batch_id)
        if header is None:
            return None
        forward_batches, units = _walk(cur, batch_id, inputs=False, max_hops=max_hops)
        backward_batches, _ = _walk(cur, batch_id, inputs=True, max_hops=max_hops)
        forward_ids = [batch_id, *(b.batch.id for b in forward_batches)]
        ssccs = sorted({u.sscc for u in units})
        forward_places = _places(cur, forward_ids, ssccs)
        backward_ids = [b.batch.id for b in backward_batches]
        hops = {b.batch.id: b.hop for b in backward_batches}
        backward_units = store.units_of(cur, backward_ids) if backward_ids else []
        backward_ssccs = sorted({u[1] for u in backward_units})
        backward_places = _places(cur, backward_ids, backward_ssccs) if backward_ids else []
        shared = [
            BatchRef(id=b, gtin=gtin, lot=lot)
            for _, b, gtin, lot in store.contents_of(cur, ssccs)
            if b not in forward_ids
        ]
    return RecallTrace(
        batch=BatchRef(id=batch_id, gtin=header["gtin"], lot=header["lot"]),
        forward=Direction(batches=forward_batches, units=units, places=forward_places),
        backward=Direction(
            batches=backward_batches,
            units=[
                UnitHop(sscc=u[1], hop=hops[u[0]], batch_id=u[0], packed_at=u[2], site=u[3])
                for u in backward_units
            ],
            places=backward_places,
        ),
        shared_units=sorted(set(shared), key=lambda r: r.id),
    )
