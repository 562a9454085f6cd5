"""Work handlers of the cold chain: readings landed at a location; a batch's presence changed."""

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.evaluate import evaluate_batch, evaluate_location
from cloud.db.coldchain_store import batches_at, touch_probes
from cloud.db.rollups_store import WORK_KIND, refresh_rollups
from cloud.db.work_queue import Work

COLD_CHAIN_LOCATION = WORK_KIND  # key: site|location|quantity, with the time range


def location_key(site_id: str, location: str, quantity: str) -> str:
    """The work key of readings of `quantity` at a location."""
    return f"{site_id}|{location}|{quantity}"


def handle_location(cur: Cursor, work: Work) -> None:
    """Readings landed at a location: roll them up, re-check the batches there and the location."""
    site_id, location, quantity = work.key.split("|", 2)
    if work.from_time is not None and work.to_time is not None:
        refresh_rollups(cur, site_id, location, quantity, work.from_time, work.to_time)
        touch_probes(cur, site_id, location, quantity, work.from_time, work.to_time)
    for batch_id in batches_at(cur, site_id, location, work.from_time, work.to_time):
        evaluate_batch(cur, batch_id, since=work.from_time, quantity=quantity)
    evaluate_location(cur, site_id, location, quantity, since=work.from_time)


def handle_batch(cur: Cursor, work: Work) -> None:
    """A batch's presence changed: re-evaluate its whole life."""
    evaluate_batch(cur, int(work.key))
