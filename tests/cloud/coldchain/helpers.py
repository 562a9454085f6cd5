"""Master data, readings and waits for cold-chain tests through the real ingester."""

from datetime import UTC, datetime, timedelta

from cloud.derive.registry import KINDS
from contract import ClockQuality, SensorReading, new_item_id
from tests.support import seed
from tests.support.factory import message
from tests.support.seed import add_group
from tests.support.sql import query

SITE = "hy-longan"
DEVICE = "pi-cold-01"
GTIN = "08935000000011"
ROOM = "cold-room-1"


def minutes_ago(count: int) -> datetime:
    """A whole minute `count` minutes before now (UTC)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=count)


def add_product(url: str, profile_id: str, gtin: str = GTIN) -> None:
    """A product in a group whose profile is `profile_id`."""
    group = f"fruit-{profile_id}"
    if not query(url, "SELECT 1 FROM product_groups WHERE id = %s", (group,)):
        add_group(url, group, profile_id)
    seed.add_product(url, gtin, name="Longan", product_group=group)


def temperature(
    at: datetime, value: float, *, seq: int, location: str = ROOM, sensor: str = "probe-1"
) -> SensorReading:
    return SensorReading(
        id=new_item_id(),
        device_time=at,
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor=sensor,
        location=location,
        quantity="temperature",
        value=value,
        unit="CEL",
    )


def envelopes(
    readings: list, per_message: int = 120, *, site: str = SITE
) -> list[tuple[str, bytes]]:
    """Many readings per MQTT message, as an agent batches them."""
    return [
        message(readings[i : i + per_message], site=site, device=DEVICE)
        for i in range(0, len(readings), per_message)
    ]


def idle(url: str) -> bool:
    """No derived work waits (claimed work is deleted only when its transaction commits)."""
    return (
        query(url, "SELECT count(*) FROM work_queue WHERE kind = ANY(%s)", (sorted(KINDS),))[0][
            0
        ]
        == 0
    )


def alerts(url: str, kind_like: str = "%") -> list[tuple]:
    return query(
        url,
        "SELECT alert_key, kind, severity, state, started_at, ended_at, batch_ids, "
        "acknowledged_by, ack_comment FROM alerts WHERE kind LIKE %s ORDER BY alert_key",
        (kind_like,),
    )
