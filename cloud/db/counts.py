"""Rows stored per device (events, readings, status), for progress displays such as the demo's."""

from collections.abc import Sequence
from dataclasses import dataclass

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
