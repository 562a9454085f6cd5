"""The demo's story, as data: a season of a Hưng Yên longan cooperative, farm to Hà Nội shop.

Everything here is in the example master data (examples/master_data/): sites, locations,
products, the batches and the serials of the dried-longan bags. The devices' scanners replay
the scenes on a simulated clock; their probes read all along, with one door-open excursion
in the cold room.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from contract import BizStep

ICT = timezone(timedelta(hours=7), "ICT")
START = datetime(2026, 7, 20, 5, 30, tzinfo=ICT)
END = datetime(2026, 8, 6, 20, 0, tzinfo=ICT)
GS = "\x1d"  # FNC1 after a variable-length element, as scanners send it

FRESH = ("08936012345001", "NL2026-07-A")  # fresh longan, 1,200 kg
DRIED = ("08936012345018", "LN2026-08-01")  # dried longan made from it, 300 kg
HONEY = ("08936012345025", "MO2026-05")  # longan-flower honey from another cooperative
BATCHES = (FRESH, DRIED, HONEY)
PALLETS = ("389360123400000014", "389360123400000021")
CASES = (
    "189360123400000010",
    "189360123400000027",
    "189360123400000034",
    "189360123400000041",
    "189360123400000058",
    "189360123400000065",
    "189360123400000072",
    "189360123400000089",
)
BAGS_PER_CASE = 12
CASES_PER_PALLET = 4
PROBE_INTERVAL_S = 1800.0  # each probe's logging interval (simulated time)

DeviceKey = tuple[str, str]
FARM: DeviceKey = ("hy-longan", "farm-1")
PROCESSING: DeviceKey = ("hy-longan", "processing-1")
COLD_ROOM: DeviceKey = ("hy-longan", "cold-room-1")
TRUCK: DeviceKey = ("hy-longan", "truck-1")
WAREHOUSE: DeviceKey = ("hn-distributor", "warehouse-1")
SHOP: DeviceKey = ("hn-shop", "pos-1")


@dataclass(frozen=True)
class Place:
    """A location of a device's site, as its config names it (codes from locations.csv)."""

    code: str
    kind: str
    gln: str | None = None
    gln_extension: str | None = None


PLACES: dict[DeviceKey, tuple[Place, ...]] = {
    FARM: (Place("orchard-a", "farm_plot", "8936012349023"),),
    PROCESSING: (
        Place("drying-1", "packing_line", "8936012349030", "3"),
        Place("packing-line-1", "packing_line", "8936012349030", "1"),
    ),
    COLD_ROOM: (Place("cold-room-1", "cold_room", "8936012349030", "2"),),
    TRUCK: (Place("truck-29c12345", "vehicle"),),
    WAREHOUSE: (Place("warehouse-1", "warehouse", "8936012349054"),),
    SHOP: (Place("shop-1", "shop", "8936012349047"),),
}


@dataclass(frozen=True)
class Scene:
    """Scans one reader makes, `every` apart from `at`, and the line the console shows."""

    at: datetime
    device: DeviceKey
    reader: str
    location: str
    biz_step: BizStep
    codes: tuple[str, ...]
    text: str
    every: timedelta = timedelta(minutes=1)

    def scans(self) -> list[tuple[datetime, str]]:
        """(time, code) of each scan."""
        return [(self.at + n * self.every, code) for n, code in enumerate(self.codes)]


@dataclass(frozen=True)
class Probe:
    """A temperature probe of a device, with its door-open excursions (start, minutes, +°C)."""

    device: DeviceKey
    name: str
    location: str
    set_point: float
    drift: float
    excursions: tuple[tuple[datetime, int, float], ...] = field(default=())


def batch_label(batch: tuple[str, str]) -> str:
    """A GS1-128 batch label: GTIN and lot."""
    return f"01{batch[0]}10{batch[1]}"


def item_label(batch: tuple[str, str], serial: str) -> str:
    """A serialised unit's label: GTIN, lot and serial."""
    return f"01{batch[0]}10{batch[1]}{GS}21{serial}"


def bag(number: int) -> str:
    """The serial of dried-longan bag `number` (commissioned in items.csv)."""
    return f"LN-{number:06d}"


def pallet_label(sscc: str, batch: tuple[str, str], count: int) -> str:
    """A GS1-128 pallet label: SSCC, content GTIN, count and lot."""
    return f"00{sscc}02{batch[0]}37{count}{GS}10{batch[1]}"


def packing_codes() -> tuple[str, ...]:
    """The line scanner's codes: each bag, a case's SSCC after its 12 bags, a pallet after 4."""
    codes: list[str] = []
    number = 0
    for pallet_index, pallet in enumerate(PALLETS):
        for case_index in range(CASES_PER_PALLET):
            for _ in range(BAGS_PER_CASE):
                number += 1
                codes.append(item_label(DRIED, bag(number)))
            codes.append(f"00{CASES[pallet_index * CASES_PER_PALLET + case_index]}")
        bags = BAGS_PER_CASE * CASES_PER_PALLET
        codes.append(pallet_label(pallet, DRIED, bags))
    return tuple(codes)


def _at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ICT)


def _units(*ssccs: str) -> tuple[str, ...]:
    return tuple(f"00{sscc}" for sscc in ssccs)


SCENES: tuple[Scene, ...] = (
    Scene(
        _at(20, 7, 6), FARM, "harvest-scanner", "orchard-a", BizStep.COMMISSIONING,
        (batch_label(FRESH),) * 24,
        "harvest: 24 crates (1,200 kg) of fresh longan NL2026-07-A at Vườn nhãn A, "
        "growing area HY-VT-0042",
        every=timedelta(minutes=5),
    ),
    Scene(
        _at(20, 7, 9), PROCESSING, "dryer-scanner", "drying-1", BizStep.RECEIVING,
        (batch_label(FRESH),) * 24,
        "drying: the 24 crates enter the drying hall",
    ),
    Scene(
        _at(25, 7, 15), PROCESSING, "dryer-scanner", "drying-1", BizStep.COMMISSIONING,
        (batch_label(DRIED),) * 6,
        "dried: 6 sacks (300 kg) of dried longan LN2026-08-01, made from NL2026-07-A",
        every=timedelta(minutes=2),
    ),
    Scene(
        _at(1, 8, 7), PROCESSING, "line-scanner", "packing-line-1", BizStep.PACKING,
        packing_codes(),
        "packing: 96 bags of 500 g into 8 cases and 2 pallets "
        f"(SSCC {PALLETS[0]}, {PALLETS[1]})",
        every=timedelta(seconds=20),
    ),
    Scene(
        _at(1, 8, 8), COLD_ROOM, "door-scanner", "cold-room-1", BizStep.STORING,
        _units(*PALLETS),
        "cold storage: the 2 pallets go into Kho lạnh 1 at 4 °C",
        every=timedelta(minutes=5),
    ),
    Scene(
        _at(4, 8, 5), TRUCK, "truck-scanner", "truck-29c12345", BizStep.LOADING,
        _units(*PALLETS),
        "shipping: the pallets leave on reefer truck 29C-123.45 for Hà Nội",
        every=timedelta(minutes=5),
    ),
    Scene(
        _at(4, 8, 7), WAREHOUSE, "dock-scanner", "warehouse-1", BizStep.RECEIVING,
        _units(*PALLETS),
        "Hà Nội: the distributor's warehouse in Long Biên receives the pallets",
        every=timedelta(minutes=5),
    ),
    Scene(
        _at(5, 8, 8), WAREHOUSE, "dock-scanner", "warehouse-1", BizStep.SHIPPING,
        _units(CASES[0]),
        "Hà Nội: one case (bags 1 to 12) leaves for the shop",
    ),
    Scene(
        _at(5, 8, 10), SHOP, "till-scanner", "shop-1", BizStep.RECEIVING,
        _units(CASES[0]) + tuple(item_label(HONEY, f"MO-{n:06d}") for n in (1, 2, 3)),
        "shop: the case arrives at Cửa hàng OCOP Hà Nội, with 3 jars of longan-flower honey",
    ),
    Scene(
        _at(5, 8, 11), SHOP, "till-scanner", "shop-1", BizStep.RETAIL_SELLING,
        tuple(item_label(DRIED, bag(n)) for n in range(1, 5)),
        "shop: the first bags of dried longan are sold",
        every=timedelta(hours=2),
    ),
    Scene(
        _at(6, 8, 9), SHOP, "till-scanner", "shop-1", BizStep.RETAIL_SELLING,
        (item_label(DRIED, bag(5)), item_label(HONEY, "MO-000001"), item_label(DRIED, bag(6))),
        "shop: two more bags and a jar of honey are sold",
        every=timedelta(hours=3),
    ),
)

DOOR_OPEN = (_at(2, 8, 14), 50, 8.0)  # the cold room's door is left open for 50 minutes
PROBES: tuple[Probe, ...] = (
    Probe(COLD_ROOM, "room-probe-1", "cold-room-1", 4.0, 0.4, (DOOR_OPEN,)),
    Probe(COLD_ROOM, "room-probe-2", "cold-room-1", 3.6, 0.3),
    Probe(TRUCK, "truck-probe", "truck-29c12345", 5.0, 0.5),
    Probe(WAREHOUSE, "room-probe", "warehouse-1", 6.0, 0.8),
)
DOOR_OPEN_TEXT = "cold storage: the door is left open for 50 minutes (12 °C at the door probe)"
