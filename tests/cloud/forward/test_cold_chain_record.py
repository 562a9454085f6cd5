"""The portal gets a storage stay's whole cold-chain record: sent once the stay has ended."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from cloud.db.devices_store import approve_device
from cloud.db.mkt import mean_kinetic_temperature
from cloud.db.pool import Database
from cloud.forward.forwarder import Forwarder
from cloud.portal_sim.server import SimServer
from contract import ClockQuality, SensorReading, new_item_id
from tests.cloud.forward import helpers as h
from tests.support.factory import message, scan_of
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

STORED = h.START + timedelta(hours=1)
SHIPPED = h.START + timedelta(hours=7)
ROOM = "cold-room-1"


def _reading(seq: int, minutes: int, value: float) -> SensorReading:
    return SensorReading(
        id=new_item_id(),
        device_time=h.START + timedelta(minutes=minutes),
        clock=ClockQuality.SYNCED,
        seq=seq,
        sensor="room-probe",
        location=ROOM,
        quantity="temperature",
        value=value,
        unit="CEL",
    )


def _events(*scans: tuple[int, str, str]) -> list[tuple[str, bytes]]:
    """One message of scans of lot C1 (minutes after START, biz step, location)."""
    items = [
        scan_of(
            minutes,
            at=h.START + timedelta(minutes=minutes),
            location=location,
            biz_step=step,
            gtin=h.GOOD,
            lot="C1",
        )
        for minutes, step, location in scans
    ]
    return [message(items, site=h.SITE, device=h.DEVICE)]


def _portal_events(sim: SimServer, stage: str) -> list[dict]:
    found = sim.state.records.by_kind.get("event", {}).values()
    return [r.body for r in found if r.body["loaiSuKien"] == stage and r.confirmed]


def test_a_storage_event_waits_for_its_stay_then_carries_its_whole_record(
    seeded_url: str, sim: SimServer, mqtt_url: str, start_ingester: Callable[..., object]
) -> None:
    database = Database(seeded_url, max_connections=4)
    with database.transaction() as conn, conn.cursor() as cur:
        approve_device(cur, site=h.SITE, device=h.DEVICE)  # as `txng devices add` does
    start_ingester(coldchain_sweep=False)
    # every 10 minutes for 8 hours: 4 °C, except 12 °C for 40 minutes in the cold room
    readings = [
        _reading(n, 10 * n, 12.0 if 240 <= 10 * n < 280 else 4.0 + (n % 3) * 0.1)
        for n in range(49)
    ]
    publish_all(mqtt_url, [message(readings, site=h.SITE, device=h.DEVICE)])
    publish_all(mqtt_url, _events((0, "commissioning", "orchard-a"), (60, "storing", ROOM)))
    adapter = h.adapter(database, sim.url, stay_recheck_s=0.1)
    forwarder = Forwarder(database, adapter, idle_wait_s=0.05)
    forwarder.start()
    try:
        wait_for(lambda: _portal_events(sim, "SU_KIEN_VUNG_TRONG"), timeout=30)
        reason = f"waiting: the stay at {ROOM} has not ended"
        wait_for(  # once derived data has caught up, the stay is known and still open
            lambda: query(
                seeded_url,
                "SELECT last_error FROM forward_outbox WHERE state = 'pending' "
                "AND payload->>'biz_step' = 'storing'",
            )
            == [(reason,)],
            timeout=30,
        )
        assert not _portal_events(sim, "KHO_TONG")  # nothing half-known was sent
        publish_all(mqtt_url, _events((420, "shipping", ROOM)))
        stored = wait_for(lambda: _portal_events(sim, "KHO_TONG"), timeout=30)
        shipped = wait_for(lambda: _portal_events(sim, "VAN_CHUYEN"), timeout=30)
    finally:
        forwarder.stop()
        adapter.close()
        database.close()
    in_stay = [r.value for r in readings if STORED <= r.device_time < SHIPPED]  # [start, end)
    for body in (stored[0], shipped[0]):  # the stay the storing opened and the shipping closed
        record = body["baoQuanLanh"]
        assert record["batDau"] == STORED.isoformat() and record["ketThuc"] == SHIPPED.isoformat()
        assert record["soMau"] == len(in_stay)
        assert (record["nhietDoThapNhat"], record["nhietDoCaoNhat"]) == (min(in_stay), 12.0)
        assert record["nhietDoTrungBinh"] == pytest.approx(sum(in_stay) / len(in_stay), abs=1e-3)
        assert record["nhietDoDongHocTrungBinh"] == pytest.approx(
            mean_kinetic_temperature(in_stay), abs=1e-3
        )
        assert 2400 <= record["thoiGianNgoaiNguongGiay"] <= 3000  # 40 minutes, sampled at 10
    assert h.states(seeded_url) == {"sent": 3}
