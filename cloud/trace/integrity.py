"""Integrity signals as derived work: impossible travel, uncommissioned codes, expired scans."""

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.db import integrity_store as store
from cloud.db.alerts_store import AlertSpec, end_condition, raise_alert
from cloud.db.locks import lock
from cloud.db.presence_store import batch_of_item
from cloud.db.work_queue import Work, WorkKind
from cloud.settings.integrity import IntegritySettings, load_integrity_settings

EARTH_RADIUS_KM = 6371.0

# Alert kinds of the integrity checks.
IMPOSSIBLE_TRAVEL = "impossible_travel"
UNCOMMISSIONED_CODE = "uncommissioned_code"
EXPIRED_BATCH_SCAN = "expired_batch_scan"


@lru_cache(maxsize=1)
def settings() -> IntegritySettings:
    """The integrity settings of this process (read once from the environment)."""
    return load_integrity_settings()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _check_travel(
    cur: Cursor, code: str, sightings: Sequence[store.Sighting], batch_ids: Sequence[int]
) -> None:
    limits = settings()
    for a, b in pairwise(sightings):
        if None in (a.latitude, a.longitude, b.latitude, b.longitude):
            continue
        assert a.latitude is not None and a.longitude is not None
        assert b.latitude is not None and b.longitude is not None
        km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
        if km < limits.min_distance_km:
            continue
        hours = (b.time - a.time).total_seconds() / 3600
        speed = math.inf if hours <= 0 else km / hours
        if speed <= limits.max_speed_kmh:
            continue
        raise_alert(
            cur,
            AlertSpec(
                key=f"{IMPOSSIBLE_TRAVEL}:{code}:{a.event_id}:{b.event_id}",
                kind=IMPOSSIBLE_TRAVEL,
                severity="warning",
                started_at=b.time,
                site_id=b.site,
                location=b.location,
                batch_ids=batch_ids,
                details={
                    "code": code,
                    "from": {
                        "site": a.site,
                        "location": a.location,
                        "time": a.time,
                        "event": a.event_id,
                    },
                    "to": {
                        "site": b.site,
                        "location": b.location,
                        "time": b.time,
                        "event": b.event_id,
                    },
                    "distance_km": round(km, 1),
                    "hours": round(hours, 3),
                    "speed_kmh": None if math.isinf(speed) else round(speed, 1),
                    "max_speed_kmh": limits.max_speed_kmh,
                },
            ),
        )


def check_expired(cur: Cursor, batch: int, since: datetime | None, until: datetime | None) -> None:
    """Raise one alert per batch and location where the batch was scanned after expiry."""
    first: dict[tuple[str, str], store.ExpiredScan] = {}
    for scan in store.expired_scans(cur, batch, since, until):
        first.setdefault((scan.site, scan.location), scan)
    for (site, location), scan in sorted(first.items()):
        raise_alert(
            cur,
            AlertSpec(
                key=f"{EXPIRED_BATCH_SCAN}:{batch}:{site}:{location}",
                kind=EXPIRED_BATCH_SCAN,
                severity="warning",
                started_at=scan.time,
                site_id=site,
                location=location,
                batch_ids=[batch],
                details={"expiry_date": scan.expiry, "first_event": scan.event_id},
            ),
        )


def _check_item(cur: Cursor, gtin: str, serial: str) -> None:
    code = f"sgtin:{gtin}.{serial}"
    sightings = store.item_sightings(cur, gtin, serial)
    batch = batch_of_item(cur, gtin, serial)
    uncommissioned_key = f"{UNCOMMISSIONED_CODE}:{code}"
    if batch is None and sightings and store.is_serialised(cur, gtin):
        first = sightings[0]
        raise_alert(
            cur,
            AlertSpec(
                key=uncommissioned_key,
                kind=UNCOMMISSIONED_CODE,
                severity="critical",
                started_at=first.time,
                site_id=first.site,
                location=first.location,
                details={"gtin": gtin, "serial": serial, "first_event": first.event_id},
            ),
        )
    elif batch is not None:
        # Commissioned after all (a late commissioning import): the alert's condition is over.
        end_condition(cur, uncommissioned_key, datetime.now(UTC))
        check_expired(cur, batch, None, None)
    _check_travel(cur, code, sightings, [batch] if batch is not None else [])


class CodeKey(NamedTuple):
    """A scanned code: scheme "sgtin" with "gtin|serial", or "sscc" with the SSCC."""

    scheme: str
    code: str

    @classmethod
    def of_item(cls, gtin: str, serial: str) -> "CodeKey":
        """The key of a serialised item."""
        return cls("sgtin", f"{gtin}|{serial}")

    @classmethod
    def of_unit(cls, sscc: str) -> "CodeKey":
        """The key of a logistic unit."""
        return cls("sscc", sscc)


class BatchKey(NamedTuple):
    """A batch named by GTIN + lot (with the event-time range scanned)."""

    gtin: str
    lot: str


def handle_code(cur: Cursor, key: CodeKey, work: Work) -> None:
    """A serial or SSCC was scanned: check its travel and (serials) its commissioning."""
    lock(cur, f"integrity:{work.key}")
    if key.scheme == "sgtin":
        gtin, serial = key.code.split("|", 1)
        _check_item(cur, gtin, serial)
    elif key.scheme == "sscc":
        sscc = key.code
        _check_travel(
            cur, f"sscc:{sscc}", store.unit_sightings(cur, sscc), store.unit_batches(cur, sscc)
        )


def handle_batch(cur: Cursor, key: BatchKey, work: Work) -> None:
    """A batch was scanned (or imported): check for scans after its expiry date."""
    batch = store.batch_id(cur, key.gtin, key.lot)
    if batch is not None:
        check_expired(cur, batch, work.from_time, work.to_time)


INTEGRITY_CODE = WorkKind("integrity_code", CodeKey, handle_code)
INTEGRITY_BATCH = WorkKind("integrity_batch", BatchKey, handle_batch)
