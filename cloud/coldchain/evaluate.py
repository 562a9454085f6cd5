"""Evaluate a batch's or a location's cold chain by event time and raise or end its alerts.

Idempotent: evaluation recomputes excursions from the data (from a resume point on), and alert
keys come from the data, so running it twice, in any process, changes nothing more.

Severity rule: a batch's excursion (single or cumulative) is `critical`, its product may be
compromised; MKT above the limit is `warning` (a judgement over the batch's life); a
location's own excursion is `warning` (each batch inside is judged by its own profile).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.excursions import cumulative_crossing, find_excursions
from cloud.db.alerts_store import AlertSpec, end_condition, raise_alert
from cloud.db.coldchain_store import (
    KnownAlert,
    StoredExcursion,
    Subject,
    alerts_since,
    batch_profile,
    batches_at,
    location_profile,
    mkt_terms,
    replace_excursions,
    restate_alert,
    resume_point,
    samples,
    stored_excursions,
)
from cloud.db.locks import lock
from cloud.db.mkt import mkt_from_terms
from cloud.db.readings_query import batch_stays, merge_stays
from cloud.db.rows.coldchain import Profile, Span


def stamp(at: datetime) -> str:
    """A time as it appears in alert keys: UTC ISO 8601, whatever the session's time zone."""
    return at.astimezone(UTC).isoformat()


def _details(excursion: StoredExcursion, profile: Profile) -> dict[str, object]:
    span = excursion.span
    return {
        "profile": profile.id,
        "direction": span.direction,
        "peak": span.peak,
        "duration_s": span.duration.total_seconds(),
        "min_value": profile.min_value,
        "max_value": profile.max_value,
    }


Placed = tuple[str, str, Span]  # site, location, span


def _overlaps(known: KnownAlert, site_id: str, location: str, span: Span) -> bool:
    far = datetime.max.replace(tzinfo=UTC)
    return (
        (known.site_id, known.location) == (site_id, location)
        and known.kind.endswith(span.direction)
        and known.started_at <= (span.end or span.last)
        and span.start <= (known.ended_at or far)
    )


def _assign_keys(
    placed: Sequence[Placed], known: Sequence[KnownAlert], profile: Profile, prefix: str
) -> list[StoredExcursion]:
    """Key each long-enough excursion: the alert it already had (by overlap), else a new key.

    Matching by overlap keeps one alert per excursion when late data moves its start.
    """
    limit = timedelta(seconds=profile.single_excursion_s)
    used: set[str] = set()
    keyed = []
    for site_id, location, span in placed:
        key = None
        if span.duration >= limit:
            for alert in known:
                if alert.key not in used and _overlaps(alert, site_id, location, span):
                    key = alert.key
                    break
            key = key or f"{prefix}{site_id}:{location}:{stamp(span.start)}"
            used.add(key)
        keyed.append(StoredExcursion(site_id, location, span, key))
    return keyed


def _sync_excursion_alerts(
    cur: Cursor,
    found: Sequence[StoredExcursion],
    known: Sequence[KnownAlert],
    *,
    kind_prefix: str,
    severity: str,
    profile: Profile,
    batch_ids: Sequence[int],
) -> None:
    """Raise an alert per keyed excursion, end it when the excursion ended, retract the rest."""
    keys = set()
    for excursion in found:
        if excursion.alert_key is None:
            continue
        keys.add(excursion.alert_key)
        span = excursion.span
        affected = batch_ids or batches_at(
            cur, excursion.site_id, excursion.location, span.start, span.end or span.last
        )
        raise_alert(
            cur,
            AlertSpec(
                key=excursion.alert_key,
                kind=f"{kind_prefix}{span.direction}",
                severity=severity,
                started_at=span.start,
                site_id=excursion.site_id,
                location=excursion.location,
                batch_ids=affected,
                details=_details(excursion, profile),
            ),
        )
        if span.end is not None:
            end_condition(cur, excursion.alert_key, span.end)
        restate_alert(cur, excursion.alert_key, started_at=span.start, ended_at=span.end)
    for alert in known:
        if alert.key not in keys and alert.state != "cleared":
            end_condition(cur, alert.key, alert.started_at)  # late data removed its excursion


def evaluate_batch(
    cur: Cursor, batch_id: int, *, since: datetime | None = None, quantity: str | None = None
) -> None:
    """Re-evaluate a batch from `since` (None: its whole life); only for `quantity` if given."""
    profile = batch_profile(cur, batch_id)
    if profile is None or (quantity is not None and profile.quantity != quantity):
        return
    lock(cur, f"coldchain:batch:{batch_id}")
    subject = Subject(batch_id, "", "", profile.quantity)
    start = resume_point(cur, subject, since) if since is not None else None
    prefix = f"excursion:{batch_id}:"
    placed: list[Placed] = []
    for stay in merge_stays(batch_stays(cur, batch_id)):
        if start is not None and stay.end is not None and stay.end <= start:
            continue
        low = stay.start if start is None else max(stay.start, start)
        series = samples(cur, stay.site_id, stay.location, profile.quantity, low, stay.end)
        spans = find_excursions(series, profile, until=stay.end)
        placed.extend((stay.site_id, stay.location, span) for span in spans)
    known = alerts_since(cur, prefix, start)
    found = _assign_keys(placed, known, profile, prefix)
    replace_excursions(cur, subject, profile.id, start, found)
    _sync_excursion_alerts(
        cur,
        found,
        known,
        kind_prefix="excursion_",
        severity="critical",
        profile=profile,
        batch_ids=[batch_id],
    )
    _check_cumulative(cur, batch_id, subject, profile)
    _check_mkt(cur, batch_id, profile)


def _check_cumulative(cur: Cursor, batch_id: int, subject: Subject, profile: Profile) -> None:
    if profile.cumulative_excursion_s is None:
        return
    key = f"excursion_cumulative:{batch_id}"
    spans = [e.span for e in stored_excursions(cur, subject)]
    crossed = cumulative_crossing(spans, profile.cumulative_excursion_s)
    if crossed is None:
        end_condition(cur, key, datetime.now(UTC))
        return
    total = sum((s.duration for s in spans), timedelta(0)).total_seconds()
    raise_alert(
        cur,
        AlertSpec(
            key=key,
            kind="excursion_cumulative",
            severity="critical",
            started_at=crossed,
            batch_ids=[batch_id],
            details={"profile": profile.id, "total_s": total, "excursions": len(spans)},
        ),
    )
    restate_alert(cur, key, started_at=crossed, ended_at=None)


def _check_mkt(cur: Cursor, batch_id: int, profile: Profile) -> None:
    if profile.mkt_max is None or profile.quantity != "temperature":
        return
    terms, count = mkt_terms(cur, batch_id, profile.quantity)
    if count == 0:
        return
    mkt = mkt_from_terms(terms, count)
    key = f"mkt:{batch_id}"
    if mkt <= profile.mkt_max:
        end_condition(cur, key, datetime.now(UTC))
        return
    stays = batch_stays(cur, batch_id)
    raise_alert(
        cur,
        AlertSpec(
            key=key,
            kind="mkt_exceeded",
            severity="warning",
            started_at=min(s.start for s in stays),
            batch_ids=[batch_id],
            details={"profile": profile.id, "mkt": round(mkt, 3), "mkt_max": profile.mkt_max},
        ),
    )


def evaluate_location(
    cur: Cursor, site_id: str, location: str, quantity: str, *, since: datetime | None
) -> None:
    """Re-evaluate a location's own profile (if it has one for `quantity`) from `since`."""
    profile = location_profile(cur, site_id, location)
    if profile is None or profile.quantity != quantity:
        return
    lock(cur, f"coldchain:location:{site_id}|{location}|{quantity}")
    subject = Subject(None, site_id, location, quantity)
    start = resume_point(cur, subject, since) if since is not None else None
    prefix = f"excursion:location:{quantity}:"
    spans = find_excursions(samples(cur, site_id, location, quantity, start, None), profile)
    known = alerts_since(cur, f"{prefix}{site_id}:{location}:", start)
    found = _assign_keys([(site_id, location, s) for s in spans], known, profile, prefix)
    replace_excursions(cur, subject, profile.id, start, found)
    _sync_excursion_alerts(
        cur,
        found,
        known,
        kind_prefix="location_excursion_",
        severity="warning",
        profile=profile,
        batch_ids=(),
    )
