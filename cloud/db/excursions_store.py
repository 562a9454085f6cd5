"""SQL of stored excursions as evidence: a batch's spans out of range and the alert each raised."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import fetch_dicts


@dataclass(frozen=True)
class ExcursionRecord:
    """An excursion of a batch (end None: still going on) and its alert's id, if it raised one."""

    batch_id: int
    site_id: str
    location: str
    direction: str
    start: datetime
    end: datetime | None
    last: datetime
    peak: float
    alert_id: int | None


def excursions_of_batches(
    cur: Cursor, batch_ids: Sequence[int], quantity: str
) -> list[ExcursionRecord]:
    """The batches' excursions of `quantity`, oldest first."""
    if not batch_ids:
        return []
    cur.execute(
        "SELECT x.batch_id, x.site_id, x.location, x.direction, x.start_time, x.end_time, "
        "x.last_time, x.peak, a.id FROM excursions x "
        "LEFT JOIN alerts a ON a.alert_key = x.alert_key "
        "WHERE x.batch_id = ANY(%s::bigint[]) AND x.quantity = %s "
        "ORDER BY x.start_time, x.batch_id, x.location",
        (list(batch_ids), quantity),
    )
    return [ExcursionRecord(*row) for row in cur.fetchall()]


def batch_excursions(cur: Cursor, *, batch_id: int) -> list[dict[str, Any]]:
    """The batch's excursions, oldest first."""
    cur.execute(
        "SELECT site_id, location, direction, start_time, end_time, last_time, peak, "
        "alert_key IS NOT NULL AS alerted FROM excursions WHERE batch_id = %s "
        "ORDER BY start_time",
        (batch_id,),
    )
    return fetch_dicts(cur)
