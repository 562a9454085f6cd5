"""Counts for progress displays such as the demo's: rows per device and site, backlogs."""

from collections.abc import Sequence
from dataclasses import dataclass

from cloud.db.forward_store import WAITING
from cloud.db.pool import Database

DeviceKey = tuple[str, str]

_COUNTS_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(sites)s::text[], %(devices)s::text[]) AS w (site_id, device_id)
)
SELECT 'events', site_id, device_id, count(*) FROM events
 WHERE (site_id, device_id) IN (SELECT site_id, device_id FROM wanted) GROUP BY 2, 3
UNION ALL
SELECT 'readings', site_id, device_id, count(*) FROM readings
 WHERE (site_id, device_id) IN (SELECT site_id, device_id FROM wanted) GROUP BY 2, 3
UNION ALL
SELECT 'status', site_id, device_id, count(*) FROM device_status
 WHERE (site_id, device_id) IN (SELECT site_id, device_id FROM wanted) GROUP BY 2, 3
"""


@dataclass(frozen=True)
class DeviceCounts:
    """How many items of one device are stored, by kind."""

    events: int = 0
    readings: int = 0
    status: int = 0

    def __sub__(self, other: "DeviceCounts") -> "DeviceCounts":
        """The difference, kind by kind (e.g. what was stored since a baseline)."""
        return DeviceCounts(
            self.events - other.events, self.readings - other.readings, self.status - other.status
        )

    @property
    def total(self) -> int:
        """All items of the device."""
        return self.events + self.readings + self.status


def count_by_device(
    database: Database, devices: Sequence[DeviceKey]
) -> dict[DeviceKey, DeviceCounts]:
    """Stored events, readings and status items of each of `devices` (zero when none)."""
    found: dict[DeviceKey, dict[str, int]] = {key: {} for key in devices}
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            _COUNTS_SQL,
            {"sites": [site for site, _ in devices], "devices": [dev for _, dev in devices]},
        )
        for kind, site, device, count in cur.fetchall():
            found.setdefault((site, device), {})[kind] = int(count)
    return {key: DeviceCounts(**kinds) for key, kinds in found.items()}


@dataclass(frozen=True)
class SiteTotals:
    """What is stored of some sites: the batches that stayed there, events, readings, alerts."""

    batches: list[tuple[int, str, str]]  # (id, gtin, lot) of each batch with a stay there
    events: int
    readings: int
    alerts: int
    first_alert: int | None


def totals_of_sites(database: Database, sites: Sequence[str]) -> SiteTotals:
    """Batches that stayed at `sites` (themselves or in a logistic unit), and what is stored."""
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT b.id, b.gtin, b.lot FROM batches b WHERE b.id IN ("
            " SELECT batch_id FROM batch_presence WHERE site_id = ANY(%(s)s)) ORDER BY b.id",
            {"s": list(sites)},
        )
        batches = [(int(i), str(g), str(lot)) for i, g, lot in cur.fetchall()]
        cur.execute(
            "SELECT (SELECT count(*) FROM events WHERE site_id = ANY(%(s)s)), "
            "(SELECT count(*) FROM readings WHERE site_id = ANY(%(s)s)), "
            "(SELECT count(*) FROM alerts WHERE site_id = ANY(%(s)s)), "
            "(SELECT min(id) FROM alerts WHERE site_id = ANY(%(s)s))",
            {"s": list(sites)},
        )
        row = cur.fetchone()
    assert row is not None
    return SiteTotals(batches, int(row[0]), int(row[1]), int(row[2]), row[3])


def backlog(database: Database, destination: str) -> tuple[int, int, int]:
    """(derived work queued, items to forward to `destination`, items not ready to go yet)."""
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM work_queue), count(*) FILTER (WHERE NOT waiting), "
            "count(*) FILTER (WHERE waiting) FROM (SELECT coalesce(last_error LIKE %s, false) "
            " AS waiting FROM forward_outbox WHERE destination = %s AND state = 'pending') o",
            (WAITING + "%", destination),
        )
        row = cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])
