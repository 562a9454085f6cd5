"""Random consumer pages' rows: a batch's row and its story's facts as consumer_page reads them."""

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from cloud.db.batch_steps_store import StoryFacts

BIZ_STEPS = (
    "commissioning", "packing", "storing", "shipping", "departing", "loading", "receiving",
    "arriving", "retail_selling", "void_shipping", "decommissioning", "destroying", "inspecting",
)
KINDS = ("farm_plot", "packing_line", "cold_room", "warehouse", "vehicle", "shop", None)
SITES = ("farm", "packer", "shop")
ZONES = (UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30)))
START = datetime(2026, 7, 20, 16, 30, tzinfo=UTC)


def _maybe(rng: random.Random, value: Any) -> Any:
    return value if rng.random() < 0.6 else None


def _time(rng: random.Random) -> str:
    """ISO text as PostgreSQL's JSON writes it, in one of several offsets, some times equal."""
    hours = rng.choice((0, 7, 8, 30, 31, 200))
    at = START + timedelta(hours=hours, microseconds=rng.choice((0, 5)))
    return at.astimezone(rng.choice(ZONES)).isoformat()


def _step(rng: random.Random) -> dict[str, Any]:
    site = rng.choice(SITES)
    first = _time(rng)
    return {
        "biz_step": rng.choice(BIZ_STEPS), "site_id": site,
        "site_name": _maybe(rng, f"Site {site} <&>"), "location": _maybe(rng, rng.choice("ab")),
        "location_name": _maybe(rng, "Kho lạnh \"1\""), "location_kind": rng.choice(KINDS),
        "scans": rng.randint(1, 9), "serials": 0, "units": rng.choice((0, 1, None)),
        "first_time": first, "last_time": first, "readers": ["dev/scanner-1"],
        "measured": rng.random() < 0.5,
    }


def _input(rng: random.Random, k: int) -> dict[str, Any]:
    made = rng.choice((None, "2026-07-19", "2026-07-20"))
    return {
        "id": 100 + k, "gtin": "08936012345001", "lot": f"IN-{k}",
        "product_name": _maybe(rng, "Nhãn tươi"), "site_id": _maybe(rng, "farm"),
        "site_name": _maybe(rng, "Farm"), "production_date": made,
        "origin_code": _maybe(rng, "HY-01"), "origin_name": _maybe(rng, "Vườn số 7"),
    }


def random_page(rng: random.Random) -> tuple[dict[str, Any], StoryFacts]:
    """(the batch's row, its story's facts) of a random batch, of every shape a page shows."""
    low = _maybe(rng, rng.choice((2.0, -18.5, 0.1)))
    row: dict[str, Any] = {
        "id": 7,
        "gtin": "08936012345018",
        "lot": rng.choice(("LN-1", "A&B<1>")),
        "production_date": _maybe(rng, date(2026, 7, 20)),
        "pack_date": _maybe(rng, date(2026, 8, 1)),
        "expiry_date": _maybe(rng, date(2027, 8, 1)),
        "origin_code": _maybe(rng, "HY-VT-0042"),
        "quantity": _maybe(rng, Decimal("12.50")),
        "unit": _maybe(rng, "kg"),
        "verified": rng.random() < 0.5,
        "source": "import",
        "site_id": _maybe(rng, "farm"),
        "first_seen": START,
        "product_name": "Long nhãn sấy <b>",
        "image_url": _maybe(rng, "https://example.com/a.jpg?x=1&y=2"),
        "producer_name": _maybe(rng, "HTX Hồng Nam"),
        "producer_address": _maybe(rng, "Hưng Yên"),
        "ocop_stars": _maybe(rng, rng.randint(1, 5)),
        "net_content": _maybe(rng, "500 g"),
        "standards": _maybe(rng, "VietGAP"),
        "site_name": _maybe(rng, "HTX"),
        "origin_name": _maybe(rng, "Vườn nhãn số 7"),
        "min_value": low,
        "max_value": _maybe(rng, 8.0),
        "monitored": rng.random() < 0.7,
        "excursions": rng.choice((0, 0, 2)),
        "excursion_alerts": rng.choice((0, 0, 1)),
    }
    steps = sorted((_step(rng) for _ in range(rng.randint(0, 8))), key=lambda s: s["first_time"])
    places = [(s["site_id"], s["location"]) for s in steps]
    out = [
        {"site_id": site, "location": place, "seconds": rng.choice((0.0, 90.0))}
        for site, place in set(places)
        if rng.random() < 0.5
    ]
    header_keys = (
        "id", "gtin", "lot", "verified", "source", "production_date", "pack_date", "expiry_date",
        "origin_code", "site_id", "quantity", "unit", "first_seen", "product_name",
        "producer_name", "producer_address", "ocop_stars",
    )
    facts = StoryFacts(
        header={k: row[k] for k in header_keys}, steps=steps, alerts=[],
        inputs=[_input(rng, k) for k in range(rng.choice((0, 0, 1, 2)))], outputs=[], units=[],
        monitored=row["monitored"], out_of_range=out, captured=[],
    )
    return row, facts
