"""Forwarding test pieces: master data, events queued as ingest queues them, adapters."""

from datetime import UTC, datetime, timedelta
from typing import Any

from cloud.db.forward_store import enqueue_events, register_destination
from cloud.db.ingest_store import Received, store_events
from cloud.db.pool import Database
from cloud.forward.portal.adapter import PortalAdapter
from cloud.forward.portal.settings import load_mapping
from contract import ScanEvent
from tests.support.factory import scan_of
from tests.support.seed import add_group, add_location, add_product, add_profile, add_site
from tests.support.sql import query

SITE = "hy-longan"
DEVICE = "pi-pack-01"
DESTINATION = "national-portal"
START = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
GOOD = "08936012345001"  # a registered product with everything the portal needs
NO_IMAGE = "08936012345018"
UNKNOWN_GROUP = "08936012345025"
NO_WEIGHT = "08936012345032"
BAD_CHECK_DIGIT = "08936012345003"
# (biz step, location) per stage: harvest, packing, cold storage, shipping.
STEPS = [
    ("commissioning", "orchard-a"),
    ("packing", "packing-line-1"),
    ("storing", "cold-room-1"),
    ("shipping", "cold-room-1"),
]


def seed(url: str) -> None:
    """A site with four locations, a group with a profile, five products, a destination."""
    add_site(url, SITE, name="HTX", gln="8936012349009")
    for code, kind, name, gln, extension in (
        ("orchard-a", "farm_plot", "Vườn A", "8936012349023", None),
        ("packing-line-1", "packing_line", "Xưởng", "8936012349030", "1"),
        ("cold-room-1", "cold_room", "Kho lạnh 1", "8936012349030", "2"),
        ("truck-1", "vehicle", "Xe lạnh", None, None),
    ):
        add_location(url, SITE, code, kind, name=name, gln=gln, gln_extension=extension)
    add_profile(url, "chilled", name="Chilled", single_excursion_s=0)
    add_group(url, "fresh-fruit", "chilled", name="Trái cây tươi")
    add_group(url, "honey", name="Mật ong")
    for gtin, image, group, net in (
        (GOOD, "https://example.org/a.jpg", "fresh-fruit", "1 kg"),
        (NO_IMAGE, None, "fresh-fruit", "500 g"),
        (UNKNOWN_GROUP, "https://example.org/c.jpg", "honey", "500 ml"),
        (NO_WEIGHT, "https://example.org/d.jpg", "fresh-fruit", None),
        (BAD_CHECK_DIGIT, "https://example.org/e.jpg", "fresh-fruit", "1 kg"),
    ):
        add_product(
            url,
            gtin,
            product_group=group,
            image_url=image,
            net_content=net,
            producer_name="HTX Nhãn lồng",
        )
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            register_destination(cur, name=DESTINATION, adapter="portal")
    finally:
        database.close()


def lot_events(gtin: str, lot: str, count: int, *, start_seq: int = 0) -> list[ScanEvent]:
    """`count` scans of one batch, cycling through the four stages, one minute apart."""
    events = []
    for n in range(count):
        step, location = STEPS[n % len(STEPS)]
        events.append(
            scan_of(
                start_seq + n,
                at=START + timedelta(minutes=start_seq + n),
                location=location,
                biz_step=step,
                gtin=gtin,
                lot=lot,
            )
        )
    return events


def queue(url: str, events: list[ScanEvent], *, site: str = SITE) -> None:
    """Store events and queue them for forwarding in one transaction, as ingest does."""
    received = [Received(site, DEVICE, datetime.now(UTC), event) for event in events]
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            store_events(cur, received)
            enqueue_events(cur, received)
    finally:
        database.close()


def adapter(
    database: Database,
    sim_url: str,
    *,
    stay_recheck_s: float = 0.05,
    unplaced_wait_s: float = 0.0,
    **overrides: Any,
) -> PortalAdapter:
    """A portal adapter for the simulator at sim_url (mapping `overrides`)."""
    return PortalAdapter(
        database,
        load_mapping(base_url=sim_url, **overrides),
        client_id="txng",
        client_secret="txng-secret",
        destination=DESTINATION,
        stay_recheck_s=stay_recheck_s,
        unplaced_wait_s=unplaced_wait_s,
    )


def states(url: str) -> dict[str, int]:
    """Outbox items per state."""
    rows = query(url, "SELECT state, count(*) FROM forward_outbox GROUP BY state")
    return {state: count for state, count in rows}


def parked(url: str) -> dict[str, tuple[str | None, str | None]]:
    """Parked items: key → (missing field, last error)."""
    rows = query(
        url, "SELECT key, missing_field, last_error FROM forward_outbox WHERE state = 'parked'"
    )
    return {key: (missing, error) for key, missing, error in rows}
