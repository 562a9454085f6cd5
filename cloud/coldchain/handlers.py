"""Work handlers of the cold chain: readings landed at a location; a batch's presence changed."""

from typing import NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.evaluate import evaluate_batch, evaluate_location
from cloud.db.coldchain_store import batches_at, touch_probes
from cloud.db.rollups_store import ROLLUP_WORK, LocationKey, refresh_rollups
from cloud.db.work_queue import Work, WorkKind


class BatchIdKey(NamedTuple):
    """A batch by its id."""

    batch_id: int


def handle_location(cur: Cursor, key: LocationKey, work: Work) -> None:
    """Readings landed at a location: roll them up, re-check the batches there and the location."""
    site_id, location, quantity = key
    if work.from_time is not None and work.to_time is not None:
        refresh_rollups(cur, site_id, location, quantity, work.from_time, work.to_time)
        touch_probes(cur, site_id, location, quantity, work.from_time, work.to_time)
    for batch_id in batches_at(cur, site_id, location, work.from_time, work.to_time):
        evaluate_batch(cur, batch_id, since=work.from_time, quantity=quantity)
    evaluate_location(cur, site_id, location, quantity, since=work.from_time)


def handle_batch(cur: Cursor, key: BatchIdKey, work: Work) -> None:
    """A batch's presence changed: re-evaluate its whole life."""
    evaluate_batch(cur, key.batch_id)


# Readings of a quantity landed at a location, over a time range (the rollups read its queued
# range raw until it is done: see cloud/db/rollups_query.py).
COLD_CHAIN_LOCATION = WorkKind(ROLLUP_WORK, LocationKey, handle_location)
# A batch's presence changed (queued by presence derivation).
COLD_CHAIN_BATCH = WorkKind("coldchain_batch", BatchIdKey, handle_batch)
