"""A small world for API tests: two sites, users of every role, a batch with an excursion."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cloud.auth.command import create_token, create_user
from cloud.db.devices_store import approve_device
from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.persist import persist_batch
from cloud.ingest.triage import devices_seen, triage
from cloud.masterdata.rows import gs1_check_digit
from tests.cloud.coldchain.helpers import temperature
from tests.support.factory import message, scan_of
from tests.support.seed import add_batch, add_location, add_product, add_profile, add_site
from tests.support.sql import query

SITE_A, SITE_B = "hy-longan", "dl-coffee"
DEVICE_A, DEVICE_B = "pi-cold-01", "pi-line-09"
GTIN_A = "0893500000001" + str(gs1_check_digit("0893500000001"))
GTIN_B = "0893500000002" + str(gs1_check_digit("0893500000002"))
LOT_A, LOT_B = "LOT-1", "CF-7"
PASSWORD = "correct horse battery"


@dataclass
class World:
    url: str
    tokens: dict[str, str]
    batch_a: int
    batch_b: int
    alert_a: int
    alert_b: int
    letter_a: int


def ingest(
    database: Database, messages: list[tuple[str, bytes]], at: datetime, *, approved: bool = True
) -> None:
    """Store MQTT messages as the ingester does (triage, then one persist).

    `approved`: their devices are registered first, as `txng devices add` does (else a device
    not seen before is pending, and what it sends is held in quarantine).
    """
    plans = [triage(InboundMessage(t, p, 1, 0, 0, at), max_bytes=1 << 20) for t, p in messages]
    if approved:
        with database.transaction() as conn, conn.cursor() as cur:
            for site, device in sorted(devices_seen(plans)):
                approve_device(cur, site=site, device=device)
    persist_batch(database, plans, register_unknown=True)


def seed(url: str) -> World:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    add_profile(url, "chill", name="Chilled 2-8", single_excursion_s=600)
    add_site(url, SITE_A, name="HTX Long nhãn Hưng Yên")
    add_site(url, SITE_B, name="Cà phê Đà Lạt")
    add_location(url, SITE_A, "cold-room-1", name="Kho lạnh 1")
    add_location(url, SITE_A, "plot-7", "farm_plot", name="Vườn nhãn số 7")
    add_location(url, SITE_B, "line-1", "packing_line", name="Dây chuyền 1")
    add_product(
        url,
        GTIN_A,
        name="Long nhãn sấy",
        profile_id="chill",
        producer_name="HTX Hồng Nam",
        producer_address="Hưng Yên",
        ocop_stars=4,
        image_url="https://example.org/longan.jpg",
        standards="VietGAP",
        shelf_life_days=180,
    )
    add_product(url, GTIN_B, name="Cà phê hạt", producer_name="HTX Cầu Đất")
    batch_a = add_batch(
        url,
        GTIN_A,
        LOT_A,
        site_id=SITE_A,
        production_date=date(2026, 10, 1),
        expiry_date=date(2099, 1, 1),
        origin_code="plot-7",
    )
    batch_b = add_batch(url, GTIN_B, LOT_B, site_id=SITE_B)

    database = Database(url, max_connections=2)
    try:
        scans = [
            scan_of(
                1, at=start, location="cold-room-1", biz_step="receiving", gtin=GTIN_A, lot=LOT_A
            ),
        ]
        readings = [
            temperature(start + timedelta(minutes=m), 12.0 if 60 <= m < 85 else 5.0, seq=m)
            for m in range(0, 150)
        ]
        messages = [message(scans, site=SITE_A, device=DEVICE_A)]
        messages += [
            message(readings[i : i + 50], site=SITE_A, device=DEVICE_A)
            for i in range(0, len(readings), 50)
        ]
        messages.append(
            message(
                [
                    scan_of(
                        1, at=start, location="line-1", biz_step="packing", gtin=GTIN_B, lot=LOT_B
                    )
                ],
                site=SITE_B,
                device=DEVICE_B,
            )
        )
        ingest(database, messages, datetime.now(UTC))
        worker = DeriveWorker(database, batch_size=50)
        for _ in range(200):
            if not worker.run_once():
                break
        # A dead letter of site A: a message that breaks the contract.
        ingest(database, [(f"txng/v1/{SITE_A}/{DEVICE_A}/events", b"not json")], datetime.now(UTC))
        # Open alerts at both sites.
        query(
            url,
            "INSERT INTO alerts (alert_key, kind, severity, site_id, location, started_at, "
            "batch_ids) VALUES ('test:b', 'silent_probe', 'warning', %s, 'line-1', now(), "
            "ARRAY[%s]::bigint[]), ('test:a', 'excursion_high', 'critical', %s, 'cold-room-1', "
            "now() - interval '5 minutes', ARRAY[%s]::bigint[]) RETURNING id",
            (SITE_B, batch_b, SITE_A, batch_a),
        )
        create_user(database, username="admin", role="admin", site=None, password=PASSWORD)
        create_user(database, username="op-a", role="operator", site=SITE_A, password=PASSWORD)
        create_user(database, username="op-b", role="operator", site=SITE_B, password=PASSWORD)
        create_user(database, username="inspector", role="inspector", site=None, password=PASSWORD)
        tokens = {
            name: create_token(database, username=name, name="test")
            for name in ("admin", "op-a", "op-b", "inspector")
        }
    finally:
        database.close()
    alert_a = query(url, "SELECT id FROM alerts WHERE alert_key = 'test:a'")[0][0]
    alert_b = query(url, "SELECT id FROM alerts WHERE alert_key = 'test:b'")[0][0]
    letter_a = query(url, "SELECT min(id) FROM dead_letters")[0][0]
    return World(url, tokens, batch_a, batch_b, alert_a, alert_b, letter_a)
