"""SQL of the cold chain: profiles, linked samples, stored excursions, MKT sums, probes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.mkt import arrhenius_sql
from cloud.db.rows.coldchain import Profile, Sample, Span
from contract import Quantity

_PROFILE_COLUMNS = (
    "c.id, c.quantity, c.min_value, c.max_value, c.single_excursion_s, "
    "c.cumulative_excursion_s, c.hysteresis, c.mkt_max, c.silent_after_s"
)


@dataclass(frozen=True)
class Subject:
    """Whose excursions: a batch (clipped to its stays), or a location's own (batch_id None)."""

    batch_id: int | None
    site_id: str
    location: str
    quantity: str


def batch_profile(cur: Cursor, batch_id: int) -> Profile | None:
    """The batch's profile: its product's, else its product group's; None if neither has one."""
    cur.execute(
        f"SELECT {_PROFILE_COLUMNS} FROM batches b JOIN products p ON p.gtin = b.gtin "
        "LEFT JOIN product_groups g ON g.id = p.product_group "
        "JOIN cold_chain_profiles c ON c.id = coalesce(p.profile_id, g.profile_id) "
        "WHERE b.id = %s",
        (batch_id,),
    )
    row = cur.fetchone()
    return Profile(*row) if row else None


def location_profile(cur: Cursor, site_id: str, location: str) -> Profile | None:
    """The location's own profile, if it has one."""
    cur.execute(
        f"SELECT {_PROFILE_COLUMNS} FROM locations l "
        "JOIN cold_chain_profiles c ON c.id = l.profile_id WHERE l.site_id = %s AND l.code = %s",
        (site_id, location),
    )
    row = cur.fetchone()
    return Profile(*row) if row else None


def batches_at(
    cur: Cursor, site_id: str, location: str, start: datetime | None, end: datetime | None
) -> list[int]:
    """Batches that were at the location at some time in [start, end] (None: unbounded)."""
    cur.execute(
        "SELECT DISTINCT batch_id FROM batch_presence WHERE site_id = %(site)s "
        "AND location = %(location)s "
        "AND (%(end)s::timestamptz IS NULL OR start_time <= %(end)s) "
        "AND (%(start)s::timestamptz IS NULL OR end_time IS NULL OR end_time > %(start)s) "
        "ORDER BY batch_id",
        {"site": site_id, "location": location, "start": start, "end": end},
    )
    return [int(row[0]) for row in cur.fetchall()]


def samples(
    cur: Cursor,
    site_id: str,
    location: str,
    quantity: str,
    start: datetime | None,
    end: datetime | None,
) -> list[Sample]:
    """Readings at the location with start <= time < end (None: unbounded), not suspect."""
    cur.execute(
        "SELECT device_id || '/' || sensor, time, value FROM readings WHERE site_id = %(site)s "
        "AND location = %(location)s AND quantity = %(quantity)s "
        "AND (%(start)s::timestamptz IS NULL OR time >= %(start)s) "
        "AND (%(end)s::timestamptz IS NULL OR time < %(end)s) AND quality <> 'suspect' "
        "ORDER BY time",
        {"site": site_id, "location": location, "quantity": quantity, "start": start, "end": end},
    )
    return [Sample(*row) for row in cur.fetchall()]


def _where(subject: Subject) -> tuple[str, dict[str, object]]:
    if subject.batch_id is not None:
        return "batch_id = %(batch)s AND quantity = %(quantity)s", {
            "batch": subject.batch_id,
            "quantity": subject.quantity,
        }
    return (
        "batch_id IS NULL AND site_id = %(site)s AND location = %(location)s "
        "AND quantity = %(quantity)s",
        {"site": subject.site_id, "location": subject.location, "quantity": subject.quantity},
    )


def resume_point(cur: Cursor, subject: Subject, since: datetime) -> datetime:
    """Where re-evaluation from `since` must start: the start of an excursion not over by then."""
    where, params = _where(subject)
    cur.execute(
        f"SELECT min(start_time) FROM excursions WHERE {where} "
        "AND (end_time IS NULL OR end_time >= %(since)s)",
        {**params, "since": since},
    )
    row = cur.fetchone()
    return min(row[0], since) if row and row[0] is not None else since


@dataclass(frozen=True)
class StoredExcursion:
    """An excursion with where it happened and the alert it raised (if any)."""

    site_id: str
    location: str
    span: Span
    alert_key: str | None = None


def replace_excursions(
    cur: Cursor,
    subject: Subject,
    profile_id: str | None,
    since: datetime | None,
    found: Sequence[StoredExcursion],
) -> None:
    """Replace the subject's excursions that start at or after `since` (None: all) by `found`."""
    where, params = _where(subject)
    cur.execute(
        f"DELETE FROM excursions WHERE {where} "
        "AND (%(since)s::timestamptz IS NULL OR start_time >= %(since)s)",
        {**params, "since": since},
    )
    if not found or profile_id is None:
        return
    execute_values(
        cur,
        "INSERT INTO excursions (batch_id, site_id, location, quantity, profile_id, direction, "
        "start_time, end_time, last_time, peak, alert_key) VALUES %s",
        [
            (
                subject.batch_id,
                e.site_id,
                e.location,
                subject.quantity,
                profile_id,
                e.span.direction,
                e.span.start,
                e.span.end,
                e.span.last,
                e.span.peak,
                e.alert_key,
            )
            for e in found
        ],
    )


def stored_excursions(cur: Cursor, subject: Subject) -> list[StoredExcursion]:
    """Every stored excursion of the subject, in time order."""
    where, params = _where(subject)
    cur.execute(
        "SELECT site_id, location, direction, start_time, end_time, last_time, peak, alert_key "
        f"FROM excursions WHERE {where} ORDER BY start_time",
        params,
    )
    return [StoredExcursion(row[0], row[1], Span(*row[2:7]), row[7]) for row in cur.fetchall()]


@dataclass(frozen=True)
class KnownAlert:
    """An alert already raised for a subject: what it covers, to match re-evaluated spans."""

    key: str
    kind: str
    state: str
    site_id: str | None
    location: str | None
    started_at: datetime
    ended_at: datetime | None


def alerts_since(cur: Cursor, prefix: str, since: datetime | None) -> list[KnownAlert]:
    """Alerts whose key starts with `prefix` and that had not ended before `since`."""
    cur.execute(
        "SELECT alert_key, kind, state, site_id, location, started_at, ended_at FROM alerts "
        "WHERE alert_key LIKE %(prefix)s AND (%(since)s::timestamptz IS NULL "
        " OR ended_at IS NULL OR ended_at >= %(since)s) ORDER BY started_at, alert_key",
        {"prefix": prefix.replace("%", r"\%").replace("_", r"\_") + "%", "since": since},
    )
    return [KnownAlert(*row) for row in cur.fetchall()]


def restate_alert(
    cur: Cursor, key: str, *, started_at: datetime, ended_at: datetime | None
) -> None:
    """Late data moved when the condition began (or ended): correct the alert's event times."""
    cur.execute(
        "UPDATE alerts SET started_at = %(start)s, "
        "ended_at = coalesce(%(end)s::timestamptz, ended_at), updated_at = now() "
        "WHERE alert_key = %(key)s AND (started_at <> %(start)s "
        " OR (%(end)s::timestamptz IS NOT NULL AND ended_at IS DISTINCT FROM %(end)s))",
        {"key": key, "start": started_at, "end": ended_at},
    )


def mkt_terms(cur: Cursor, batch_id: int, quantity: str) -> tuple[float, int]:
    """Sum of Arrhenius terms and count of the batch's linked readings (each counted once)."""
    cur.execute(
        f"SELECT coalesce(sum({arrhenius_sql('value')}), 0), count(*) FROM ("
        " SELECT DISTINCT r.id, r.value FROM batch_presence s JOIN readings r "
        " ON r.site_id = s.site_id AND r.location = s.location AND r.quantity = %(q)s "
        " AND r.time >= s.start_time AND (s.end_time IS NULL OR r.time < s.end_time) "
        " AND r.quality <> 'suspect' WHERE s.batch_id = %(batch)s) linked",
        {"batch": batch_id, "q": quantity},
    )
    row = cur.fetchone()
    return (float(row[0]), int(row[1])) if row else (0.0, 0)


def touch_probes(
    cur: Cursor, site_id: str, location: str, quantity: str, start: datetime, end: datetime
) -> None:
    """Record the probes that sent readings at the location in [start, end], and their newest.

    Newest by the readings' time, and by when they were received.
    """
    cur.execute(
        "INSERT INTO probes AS p (site_id, device_id, sensor, location, last_time, "
        " last_received_at) "
        "SELECT site_id, device_id, sensor, location, max(time), max(received_at) FROM readings "
        "WHERE site_id = %s AND location = %s AND quantity = %s AND time BETWEEN %s AND %s "
        "GROUP BY site_id, device_id, sensor, location ORDER BY device_id, sensor "
        "ON CONFLICT (site_id, device_id, sensor) DO UPDATE SET "
        "location = CASE WHEN excluded.last_time >= p.last_time THEN excluded.location "
        " ELSE p.location END, last_time = greatest(p.last_time, excluded.last_time), "
        "last_received_at = greatest(p.last_received_at, excluded.last_received_at)",
        (site_id, location, quantity, start, end),
    )


@dataclass(frozen=True)
class SilentProbe:
    """A probe whose newest reading is older than its allowed gap."""

    site_id: str
    device_id: str
    sensor: str
    location: str
    last_time: datetime
    after_s: int
    batch_ids: list[int]


_GAP_SQL = (
    "coalesce(least("
    " (SELECT min(c.silent_after_s) FROM batch_presence bp JOIN batches b ON b.id = bp.batch_id"
    "  JOIN products pr ON pr.gtin = b.gtin LEFT JOIN product_groups g ON g.id = pr.product_group"
    "  JOIN cold_chain_profiles c ON c.id = coalesce(pr.profile_id, g.profile_id)"
    "  WHERE bp.site_id = p.site_id AND bp.location = p.location"
    "  AND bp.start_time <= p.last_time AND (bp.end_time IS NULL OR bp.end_time > p.last_time)),"
    " (SELECT c.silent_after_s FROM locations l JOIN cold_chain_profiles c ON c.id = l.profile_id"
    "  WHERE l.site_id = p.site_id AND l.code = p.location)), %(default)s::integer)"
)


def silent_probes(
    cur: Cursor, now: datetime, default_after_s: int | None, *, receiving_s: float = 0.0
) -> list[SilentProbe]:
    """Probes silent longer than the gap of the profiles there (or the default, if set).

    A probe with readings received in the last `receiving_s` is not silent, however old its
    newest reading: its device is sending a backlog (or its clock is behind), and each new
    last reading would otherwise be a new silence, one alert per sweep.
    """
    cur.execute(
        "SELECT site_id, device_id, sensor, location, last_time, after_s, ARRAY("
        " SELECT DISTINCT bp.batch_id FROM batch_presence bp WHERE bp.site_id = s.site_id"
        " AND bp.location = s.location AND bp.start_time <= s.last_time"
        " AND (bp.end_time IS NULL OR bp.end_time > s.last_time) ORDER BY 1) FROM ("
        f" SELECT p.*, {_GAP_SQL} AS after_s FROM probes p) s "
        "WHERE after_s IS NOT NULL AND last_time < %(now)s - make_interval(secs => after_s) "
        "AND (last_received_at IS NULL "
        " OR last_received_at < %(now)s - make_interval(secs => %(receiving)s)) "
        "AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.kind = 'probe_silent' "
        " AND a.site_id = s.site_id AND a.sensor = s.sensor "
        " AND a.details ->> 'device_id' = s.device_id AND a.started_at = s.last_time) "
        "ORDER BY site_id, device_id, sensor",
        {"now": now, "default": default_after_s, "receiving": receiving_s},
    )
    return [SilentProbe(*row) for row in cur.fetchall()]


def resumed_silences(cur: Cursor) -> list[tuple[str, datetime]]:
    """Open probe_silent alerts whose probe sent a newer reading: (key, that reading's time).

    The first newer reading is looked up per quantity, in the location index's time order
    (stopping at the probe's first reading after the alert); without the quantity, the index
    only narrowed to the location, and every later reading there was read: 15.7 s for 400
    silent probes on 500,000 readings, vs 25 ms (the silence sweep runs every few seconds).
    """
    cur.execute(
        "SELECT a.alert_key, (SELECT min(f.time) FROM unnest(%s::text[]) AS q(quantity), "
        " LATERAL (SELECT r.time FROM readings r WHERE r.site_id = a.site_id "
        "  AND r.location = p.location AND r.quantity = q.quantity AND r.time > a.started_at "
        "  AND r.device_id = p.device_id AND r.sensor = p.sensor ORDER BY r.time LIMIT 1) f) "
        "FROM alerts a JOIN probes p ON p.site_id = a.site_id "
        " AND p.device_id = a.details ->> 'device_id' AND p.sensor = a.sensor "
        "WHERE a.kind = 'probe_silent' AND a.state <> 'cleared' AND p.last_time > a.started_at "
        "ORDER BY a.alert_key",
        ([quantity.value for quantity in Quantity],),
    )
    return [(row[0], row[1]) for row in cur.fetchall()]


def profile_by_id(cur: Cursor, profile_id: str) -> Profile | None:
    """One profile by its id."""
    cur.execute(
        f"SELECT {_PROFILE_COLUMNS} FROM cold_chain_profiles c WHERE c.id = %s", (profile_id,)
    )
    row = cur.fetchone()
    return Profile(*row) if row else None
