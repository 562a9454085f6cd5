"""When a storage or transport event may go to the portal: once its stay is over and derived.

The portal takes a stage event once (the known interface has no update call), so an event of
a cold-chain stage waits until the stay it opened, fell in or closed has ended, and until the
derived data of that stay (presence, roll-ups, excursions) has caught up with what is stored.
Readings stored after the event was sent are in txng's series, not in the portal's summary.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloud.batches.handlers import BATCH, ITEM, UNIT, BatchKey, ItemKey, UnitKey
from cloud.coldchain.handlers import COLD_CHAIN_BATCH, COLD_CHAIN_LOCATION, BatchIdKey
from cloud.db.readings_query import StaySummary
from cloud.db.rollups_store import LocationKey

WorkKey = tuple[str, str, datetime | None]


def presence_work(event: Mapping[str, Any], batch_id: int | None) -> list[WorkKey]:
    """Derived work that decides the stays an event opens or closes."""
    keys: list[WorkKey] = []
    gtin, lot, serial, sscc = (event.get(k) for k in ("gtin", "lot", "serial", "sscc"))
    if gtin and lot:
        keys.append((*BATCH.queued(BatchKey(str(gtin), str(lot))), None))
    elif gtin and serial:
        keys.append((*ITEM.queued(ItemKey(str(gtin), str(serial))), None))
    if sscc:
        keys.append((*UNIT.queued(UnitKey(str(sscc))), None))
    if batch_id is not None:
        keys.append((*COLD_CHAIN_BATCH.queued(BatchIdKey(batch_id)), None))
    return keys


def stay_work(summary: StaySummary, quantity: str = "temperature") -> list[WorkKey]:
    """Derived work on the readings of an ended stay's place, up to its end."""
    stay = summary.stay
    key = LocationKey(stay.site_id, stay.location, quantity)
    return [(*COLD_CHAIN_LOCATION.queued(key), stay.end)]


def wait_reason(
    event: Mapping[str, Any],
    summary: StaySummary | None,
    pending: set[tuple[str, str]],
    batch_id: int | None,
) -> str | None:
    """Why the event must wait, or None when it can go now (with `summary`, if any)."""
    if any((kind, key) in pending for kind, key, _ in presence_work(event, batch_id)):
        return "where the goods were is still being derived"
    if summary is None:
        return None  # no stay is known for it: it goes without a cold-chain summary
    if summary.stay.end is None:
        return f"the stay at {summary.stay.location} has not ended"
    if any((kind, key) in pending for kind, key, _ in stay_work(summary)):
        return f"the readings of the stay at {summary.stay.location} are still being derived"
    return None
