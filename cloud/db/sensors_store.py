"""SQL of sensor and location master data: calibration of probes, names and kinds of places."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from psycopg2.extensions import cursor as Cursor


@dataclass(frozen=True)
class Calibration:
    """What master data says about one probe (every field may be unknown)."""

    model: str | None
    serial_number: str | None
    accuracy: str | None
    calibration_ref: str | None
    calibrated_on: date | None
    calibration_due: date | None


@dataclass(frozen=True)
class Place:
    """A location's master data."""

    site_id: str
    code: str
    kind: str | None
    name: str | None
    gln: str | None
    gln_extension: str | None


def calibrations(
    cur: Cursor, probes: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], Calibration]:
    """Master data of the probes given as (site, device, sensor) that have any."""
    if not probes:
        return {}
    cur.execute(
        "SELECT s.site_id, s.device_id, s.sensor, s.model, s.serial_number, s.accuracy, "
        "s.calibration_ref, s.calibrated_on, s.calibration_due FROM sensors s "
        "JOIN unnest(%s::text[], %s::text[], %s::text[]) AS p(site_id, device_id, sensor) "
        "USING (site_id, device_id, sensor)",
        ([p[0] for p in probes], [p[1] for p in probes], [p[2] for p in probes]),
    )
    return {(row[0], row[1], row[2]): Calibration(*row[3:]) for row in cur.fetchall()}


def places(cur: Cursor, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Place]:
    """Master data of the locations given as (site, code) that are known."""
    if not keys:
        return {}
    cur.execute(
        "SELECT l.site_id, l.code, l.kind, l.name, l.gln, l.gln_extension FROM locations l "
        "JOIN unnest(%s::text[], %s::text[]) AS k(site_id, code) USING (site_id, code)",
        ([k[0] for k in keys], [k[1] for k in keys]),
    )
    return {(row[0], row[1]): Place(*row) for row in cur.fetchall()}
