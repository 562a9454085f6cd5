"""A longan batch's cold chain through the real ingest store and derive worker.

Hưng Yên: received at the dock, 2 days in cold room 1 (a 40-minute excursion to 9.5 °C that
an operator acknowledges), packed into a pallet, shipped, loaded onto a refrigerated truck and
received at a Hà Nội site four hours later.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from cloud.db.alerts_store import acknowledge
from cloud.db.ingest_store import Received, store_events, store_readings
from cloud.db.pool import Database
from cloud.db.work_queue import enqueue
from cloud.derive.planning import work_for_events, work_for_readings
from cloud.derive.worker import DeriveWorker
from contract import ClockQuality, SensorReading
from tests.support.factory import scan_of
from tests.support.seed import add_batch, add_location, add_product, add_profile
from tests.support.sql import query, scalar

SITE, OTHER = "hy-longan", "hn-market"
GTIN, LOT = "08936012345001", "NL2026-07-A"
SSCC = "389360123450000017"
T0 = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)  # 08:00 in Hưng Yên
EXCURSION = (T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=40))
PACKED = T0 + timedelta(days=2)
SHIPPED = PACKED + timedelta(hours=1)
LOADED = SHIPPED + timedelta(minutes=10)
ARRIVED = SHIPPED + timedelta(hours=4)
ACK_BY, ACK_COMMENT = "nguyen.van.a", "Cửa kho mở khi nhập hàng; đã đóng lại"
CALIBRATION = "HCĐ-2026/0142"


@dataclass(frozen=True)
class World:
    """Ids the tests need."""

    batch_id: int
    alert_id: int
    cold_room_readings: int
    truck_readings: int


def master_data(url: str) -> None:
    add_profile(
        url,
        "chilled-fruit",
        name="Fresh fruit 2-8 °C",
        cumulative_excursion_s=7200,
        mkt_max=8,
    )
    add_product(
        url,
        GTIN,
        name="Nhãn lồng Hưng Yên tươi",
        profile_id="chilled-fruit",
        producer_name="HTX Nhãn lồng Hồng Nam",
    )
    for site, code, kind, name in (
        (SITE, "dock", "warehouse", "Bến xuất"),
        (SITE, "cold-room-1", "cold_room", "Kho lạnh 1"),
        (SITE, "line-1", "packing_line", "Xưởng đóng gói"),
        (SITE, "truck-29c", "vehicle", "Xe lạnh 29C-123.45"),
        (OTHER, "dock-b", "warehouse", "Kho nhận"),
    ):
        add_location(url, site, code, kind, name=name)
    query(
        url,
        "INSERT INTO sensors (site_id, device_id, sensor, model, accuracy, calibration_ref, "
        "calibrated_on, calibration_due) VALUES (%s, 'pi-cold-01', 'probe-1', 'DS18B20', "
        "'±0.5 °C', %s, '2026-01-10', '2027-01-10') RETURNING 1",
        (SITE, CALIBRATION),
    )
    add_batch(url, GTIN, LOT, source="import")


def _reading(seq: int, at: datetime, location: str, value: float) -> SensorReading:
    return SensorReading(
        id=UUID(int=seq + (1 << 64)),
        device_time=at,
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor="probe-1",
        location=location,
        quantity="temperature",
        value=value,
        unit="CEL",
    )


def _cold_room_value(at: datetime) -> float:
    return 9.5 if EXCURSION[0] <= at < EXCURSION[1] else 4.5 + (at.minute % 10) / 10


def events() -> list[Received]:
    now = datetime.now(UTC)
    dock = [
        scan_of(1, at=T0, location="dock", biz_step="receiving", gtin=GTIN, lot=LOT),
        scan_of(
            2,
            at=T0 + timedelta(minutes=30),
            location="cold-room-1",
            biz_step="storing",
            gtin=GTIN,
            lot=LOT,
        ),
        scan_of(3, at=SHIPPED, location="dock", biz_step="shipping", sscc=SSCC),
        scan_of(4, at=LOADED, location="truck-29c", biz_step="loading", sscc=SSCC),
    ]
    line = [
        scan_of(1, at=PACKED, location="line-1", biz_step="packing", gtin=GTIN, lot=LOT),
        scan_of(
            2, at=PACKED + timedelta(seconds=5), location="line-1", biz_step="packing", sscc=SSCC
        ),
    ]
    arrival = [scan_of(1, at=ARRIVED, location="dock-b", biz_step="receiving", sscc=SSCC)]
    return (
        [Received(SITE, "pi-dock", now, e) for e in dock]
        + [Received(SITE, "pi-line", now, e) for e in line]
        + [Received(OTHER, "pi-b", now, e) for e in arrival]
    )


def readings() -> list[Received]:
    now = datetime.now(UTC)
    cold = [
        _reading(
            m, T0 + timedelta(minutes=m), "cold-room-1", _cold_room_value(T0 + timedelta(minutes=m))
        )
        for m in range(int((SHIPPED - T0).total_seconds() // 60))
    ]
    start = int((LOADED - T0).total_seconds() // 60)
    truck = [
        _reading(100_000 + m, T0 + timedelta(minutes=m), "truck-29c", 5.0)
        for m in range(start, int((ARRIVED - T0).total_seconds() // 60))
    ]
    return [Received(SITE, "pi-cold-01", now, r) for r in cold + truck]


def derive(database: Database) -> None:
    worker = DeriveWorker(database, batch_size=100)
    while worker.run_once():
        pass
    assert worker.failed == 0


def build(url: str) -> World:
    """Master data, events and readings stored and derived; the excursion's alert acknowledged."""
    master_data(url)
    database = Database(url, max_connections=2)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO devices (site_id, device_id, approval) VALUES (%s, 'pi-dock', "
                "'approved'), (%s, 'pi-line', 'approved'), (%s, 'pi-cold-01', 'approved'), "
                "(%s, 'pi-b', 'approved')",
                (SITE, SITE, SITE, OTHER),
            )
        # As it happens: the batch arrives and is stored; readings come in; the operator
        # acknowledges the alert while the excursion goes on; it is packed, shipped, received.
        middle = EXCURSION[0] + timedelta(minutes=35)
        scans, samples = events(), readings()
        steps = [
            [e for e in scans if e.item.device_time < PACKED],
            [r for r in samples if r.item.device_time < middle],
            "acknowledge",
            [r for r in samples if middle <= r.item.device_time < PACKED],
            [e for e in scans if e.item.device_time >= PACKED],
            [r for r in samples if r.item.device_time >= PACKED],
        ]
        for step in steps:
            if step == "acknowledge":
                alert_id = scalar(url, "SELECT id FROM alerts WHERE kind = 'excursion_high'")
                with database.transaction() as conn, conn.cursor() as cur:
                    acknowledge(cur, alert_id, actor=ACK_BY, comment=ACK_COMMENT)
                continue
            with database.transaction() as conn, conn.cursor() as cur:
                if isinstance(step[0].item, SensorReading):
                    store_readings(cur, step)
                    enqueue(cur, work_for_readings(step))
                else:
                    store_events(cur, step)
                    enqueue(cur, work_for_events(step))
            derive(database)
        batch_id = scalar(url, "SELECT id FROM batches WHERE lot = %s", (LOT,))
    finally:
        database.close()
    linked = batch_readings()
    cold = sum(1 for r in linked if r.location == "cold-room-1")
    return World(batch_id, alert_id, cold, len(linked) - cold)


STORED = T0 + timedelta(minutes=30)


def batch_readings() -> list[SensorReading]:
    """The readings taken where and while the batch was: cold room 1 from storing to packing,
    the truck from loading to arrival (the dock, the packing line and dock B have no probe)."""
    spans = {"cold-room-1": (STORED, PACKED), "truck-29c": (LOADED, ARRIVED)}
    return [
        r.item
        for r in readings()
        if spans[r.item.location][0] <= r.item.device_time < spans[r.item.location][1]
    ]
