"""The dried-longan story on the example master data, from the farm to a shop in Hà Nội.

Fresh longan NL2026-07-A is harvested at the orchard and dried into dried longan LN2026-08-01
(batch inputs from the master data); thirty serialised packs of it are packed into pallet
PALLET at the packing line, stored in the cold room (a door left open: 90 minutes above the
dried longan's 10 °C, an alert), loaded on the truck, received at a distributor's warehouse
in Hà Nội (a second site, its own device), shipped on to a shop (a third site) which receives
four packs by serial and sells one. Stored as the ingester stores messages, derived by the
derive worker.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.masterdata.service import import_file
from contract import ScanEvent
from tests.cloud.api.seed import ingest
from tests.cloud.coldchain.helpers import temperature
from tests.support.factory import message, scan_of
from tests.support.sql import query

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "master_data"
FRESH, DRIED = "08936012345001", "08936012345018"
FRESH_LOT, DRIED_LOT = "NL2026-07-A", "LN2026-08-01"
FARM, DISTRIBUTOR, SHOP = "hy-longan", "hn-distributor", "hn-shop"
PALLET = "389360123450000019"
SERIALS = [f"LN-{i:06d}" for i in range(1, 31)]  # commissioned in items.csv
PACKED = datetime(2026, 8, 1, 1, 0, tzinfo=UTC)
STORED = PACKED + timedelta(hours=2)
DOOR_OPEN = STORED + timedelta(hours=20)  # 90 minutes at 27 °C
LOADED = STORED + timedelta(days=2)
AT_DISTRIBUTOR = LOADED + timedelta(hours=5)
TO_SHOP = AT_DISTRIBUTOR + timedelta(hours=17)
AT_SHOP = TO_SHOP + timedelta(hours=5)
SOLD = AT_SHOP + timedelta(days=1)


@dataclass(frozen=True)
class StoryWorld:
    """Ids of what the story made."""

    url: str
    fresh: int
    dried: int


SITE_NAMES = {
    FARM: "HTX Nhãn lồng Hồng Nam (example)",
    DISTRIBUTOR: "Công ty Phân phối Nông sản Long Biên (example)",
    SHOP: "Cửa hàng OCOP Hà Nội (example)",
}


def _master_data(url: str) -> None:
    database = Database(url, max_connections=1)
    try:
        for kind in ("profiles", "groups", "products", "sites", "locations", "batches", "items"):
            import_file(database, kind, EXAMPLES / f"{kind}.csv")
    finally:
        database.close()


def _scans() -> dict[tuple[str, str], list[ScanEvent]]:
    """Scans per (site, device)."""
    minute = timedelta(minutes=1)
    harvested = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)
    farm = [
        scan_of(
            1,
            at=harvested,
            location="orchard-a",
            biz_step="commissioning",
            gtin=FRESH,
            lot=FRESH_LOT,
        ),
        scan_of(
            2,
            at=harvested + timedelta(days=1),
            location="packing-line-1",
            biz_step="receiving",
            gtin=FRESH,
            lot=FRESH_LOT,
        ),
    ]
    line = [
        scan_of(
            10 + i,
            at=PACKED + i * minute / 2,
            location="packing-line-1",
            biz_step="packing",
            gtin=DRIED,
            lot=DRIED_LOT,
            serial=serial,
        )
        for i, serial in enumerate(SERIALS)
    ]
    line.append(
        scan_of(
            30, at=PACKED + 20 * minute, location="packing-line-1", biz_step="packing", sscc=PALLET
        )
    )
    cold = [
        scan_of(
            40,
            at=STORED,
            location="cold-room-1",
            biz_step="storing",
            sscc=PALLET,
            reader="door-scanner",
        ),
        scan_of(
            41,
            at=LOADED,
            location="truck-29c12345",
            biz_step="shipping",
            sscc=PALLET,
            reader="door-scanner",
        ),
    ]
    warehouse = [
        scan_of(1, at=AT_DISTRIBUTOR, location="warehouse-1", biz_step="receiving", sscc=PALLET),
        scan_of(2, at=TO_SHOP, location="warehouse-1", biz_step="shipping", sscc=PALLET),
    ]
    shop = [
        scan_of(
            1 + i,
            at=AT_SHOP + i * minute,
            location="shop-1",
            biz_step="receiving",
            gtin=DRIED,
            serial=serial,
        )
        for i, serial in enumerate(SERIALS[:4])
    ]
    shop.append(
        scan_of(
            9,
            at=SOLD,
            location="shop-1",
            biz_step="retail_selling",
            gtin=DRIED,
            serial=SERIALS[0],
            reader="pos-1",
        )
    )
    return {
        (FARM, "pi-packing"): farm + line,
        (FARM, "pi-cold"): cold,
        (DISTRIBUTOR, "pi-warehouse"): warehouse,
        (SHOP, "pi-shop"): shop,
    }


def _cold_room_readings() -> list[object]:
    """Every 10 minutes from storing to loading: 4 °C, the door left open for 90 minutes."""
    readings = []
    at, seq = STORED, 100
    while at < LOADED:
        hot = DOOR_OPEN <= at < DOOR_OPEN + timedelta(minutes=90)
        readings.append(temperature(at, 12.0 if hot else 4.0, seq=seq, location="cold-room-1"))
        at += timedelta(minutes=10)
        seq += 1
    return readings


def seed_story(url: str) -> StoryWorld:
    """Import the master data, store the story's scans and readings, derive everything."""
    _master_data(url)
    database = Database(url, max_connections=2)
    try:
        messages = []
        for (site, device), scans in _scans().items():
            messages += [message([s], site=site, device=device) for s in scans]
        readings = _cold_room_readings()
        messages += [
            message(readings[i : i + 50], site=FARM, device="pi-cold")
            for i in range(0, len(readings), 50)
        ]
        ingest(database, messages, datetime.now(UTC))
        worker = DeriveWorker(database, batch_size=50)
        for _ in range(500):
            if not worker.run_once():
                break
    finally:
        database.close()
    fresh = query(url, "SELECT id FROM batches WHERE lot = %s", (FRESH_LOT,))[0][0]
    dried = query(url, "SELECT id FROM batches WHERE lot = %s", (DRIED_LOT,))[0][0]
    return StoryWorld(url, fresh, dried)


PASSWORD = "correct horse battery"
USERS = {
    "admin": ("admin", None),
    "inspector": ("inspector", None),
    "op-farm": ("operator", FARM),
    "op-dist": ("operator", DISTRIBUTOR),
    "op-coffee": ("operator", "dl-coffee"),
}


def add_users(url: str) -> dict[str, str]:
    """A user of every kind (password PASSWORD) and an API token each, by user name."""
    from cloud.auth.command import create_token, create_user

    query(url, "INSERT INTO sites (id) VALUES ('dl-coffee') ON CONFLICT DO NOTHING RETURNING id")
    database = Database(url, max_connections=1)
    try:
        tokens = {}
        for name, (role, site) in USERS.items():
            create_user(database, username=name, role=role, site=site, password=PASSWORD)
            tokens[name] = create_token(database, username=name, name="test")
        return tokens
    finally:
        database.close()
