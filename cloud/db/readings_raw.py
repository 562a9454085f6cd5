"""SQL of the raw readings of time spans at places: per-probe counts, gaps, and every reading.

Spans are given as (site, location, start, end) with end None for an open span, and must not
overlap at one place (merge them first), so that each reading is counted once.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor


class Spanlike(Protocol):
    """A time range [start, end) at a place (end None: open)."""

    @property
    def site_id(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...


@dataclass(frozen=True)
class ProbeCount:
    """One probe's readings within one span (`span`: its index in the given spans)."""

    span: int
    device_id: str
    sensor: str
    good: int
    suspect: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Reading:
    """One stored reading, as a report lists it."""

    time: datetime
    site_id: str
    location: str
    device_id: str
    sensor: str
    value: float
    unit: str
    quality: str


_SPANS = (
    "unnest(%(sites)s::text[], %(locations)s::text[], %(starts)s::timestamptz[], "
    "%(ends)s::timestamptz[]) WITH ORDINALITY AS t(site_id, location, s, e, idx)"
)
_IN_SPAN = (
    "r.site_id = t.site_id AND r.location = t.location AND r.quantity = %(quantity)s "
    "AND r.time >= t.s AND (t.e IS NULL OR r.time < t.e)"
)


def _params(spans: Sequence[Spanlike], quantity: str) -> dict[str, object]:
    return {
        "sites": [s.site_id for s in spans],
        "locations": [s.location for s in spans],
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "quantity": quantity,
    }


def probe_counts(cur: Cursor, spans: Sequence[Spanlike], quantity: str) -> list[ProbeCount]:
    """Per span and probe: good and suspect readings, first and last reading's time."""
    if not spans:
        return []
    cur.execute(
        "SELECT t.idx - 1, r.device_id, r.sensor, count(*) FILTER (WHERE r.quality <> 'suspect'), "
        "count(*) FILTER (WHERE r.quality = 'suspect'), min(r.time), max(r.time) "
        f"FROM {_SPANS} JOIN readings r ON {_IN_SPAN} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        _params(spans, quantity),
    )
    return [ProbeCount(int(row[0]), *row[1:]) for row in cur.fetchall()]


def longest_gaps(cur: Cursor, spans: Sequence[Spanlike], quantity: str) -> list[timedelta | None]:
    """Per span, the longest time between two consecutive good readings (None: fewer than 2).

    Readings of every probe at the place count: a gap is time in which no probe reported.
    """
    if not spans:
        return []
    cur.execute(
        "SELECT (SELECT max(x.d) FROM (SELECT r.time - lag(r.time) OVER (ORDER BY r.time) AS d "
        f" FROM readings r WHERE {_IN_SPAN} AND r.quality <> 'suspect') x) "
        f"FROM {_SPANS} ORDER BY t.idx",
        _params(spans, quantity),
    )
    return [row[0] for row in cur.fetchall()]


def readings_of(
    conn: Connection, spans: Sequence[Spanlike], quantity: str, *, chunk: int = 20_000
) -> Iterator[Reading]:
    """Every reading of the spans (suspect ones too), in time order, read in chunks."""
    if not spans:
        return
    with conn.cursor(name="txng_report_readings") as cur:
        cur.itersize = chunk
        cur.execute(
            "SELECT r.time, r.site_id, r.location, r.device_id, r.sensor, r.value, r.unit, "
            f"r.quality FROM {_SPANS} JOIN readings r ON {_IN_SPAN} "
            "ORDER BY r.time, r.site_id, r.location, r.device_id, r.sensor",
            _params(spans, quantity),
        )
        for row in cur:
            yield Reading(*row)
