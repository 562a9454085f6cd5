"""A small world for API tests: two sites, users of every role, a batch with an excursion."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cloud.auth.command import create_token, create_user
from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.persist import persist_batch
from cloud.ingest.triage import triage
from cloud.masterdata.rows import gs1_check_digit
from tests.cloud.coldchain.helpers import temperature
from tests.support.factory import message, scan_of
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


def ingest(database: Database, messages: list[tuple[str, bytes]], at: datetime) -> None:
    """Store MQTT messages as the ingester does (triage, then one persist)."""
    plans = [triage(InboundMessage(t, p, 1, 0, 0, at), max_bytes=1 << 20) for t, p in messages]
    persist_batch(database, plans, register_unknown=True)


def seed(url: str) -> World:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    query(
        url,
        "INSERT INTO cold_chain_profiles (id, name, min_value, max_value, single_excursion_s) "
        "VALUES ('chill', 'Chilled 2-8', 2, 8, 600) RETURNING id",
    )
    query(
        url,
        "INSERT INTO sites (id, name) VALUES (%s, 'HTX Long nhãn Hưng Yên'), "
        "(%s, 'Cà phê Đà Lạt') RETURNING id",
        (SITE_A, SITE_B),
    )
    query(
        url,
        "INSERT INTO locations (site_id, code, kind, name, gln) VALUES "
        "(%s, 'cold-room-1', 'cold_room', 'Kho lạnh 1', NULL), "
        "(%s, 'plot-7', 'farm_plot', 'Vườn nhãn số 7', NULL), "
        "(%s, 'line-1', 'packing_line', 'Dây chuyền 1', NULL) RETURNING code",
        (SITE_A, SITE_A, SITE_B),
    )
    query(
        url,
        "INSERT INTO products (gtin, name, profile_id, producer_name, producer_address, "
        "ocop_stars, image_url, standards, shelf_life_days) VALUES "
        "(%s, 'Long nhãn sấy', 'chill', 'HTX Hồng Nam', 'Hưng Yên', 4, "
        "'https://example.org/longan.jpg', 'VietGAP', 180), "
        "(%s, 'Cà phê hạt', NULL, 'HTX Cầu Đất', NULL, NULL, NULL, NULL, NULL) RETURNING gtin",
        (GTIN_A, GTIN_B),
    )
    query(
        url,
        "INSERT INTO batches (gtin, lot, verified, site_id, production_date, expiry_date, "
        "origin_code) VALUES (%s, %s, true, %s, %s, %s, 'plot-7'), "
        "(%s, %s, true, %s, NULL, NULL, NULL) RETURNING id",
        (GTIN_A, LOT_A, SITE_A, date(2026, 10, 1), date(2099, 1, 1), GTIN_B, LOT_B, SITE_B),
    )
    batch_a = query(url, "SELECT id FROM batches WHERE lot = %s", (LOT_A,))[0][0]
    batch_b = query(url, "SELECT id FROM batches WHERE lot = %s", (LOT_B,))[0][0]

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
