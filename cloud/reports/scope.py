"""What a report covers: a batch's life, one of its stays, or a unit's shipment, resolved."""

from dataclasses import dataclass, replace
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.db import timeline_store, units_store
from cloud.db.chain_store import ChainedEvent, batch_events_chained, unit_events_chained
from cloud.db.coldchain_store import batch_profile, profile_by_id
from cloud.db.readings_query import batch_stays, merge_stays
from cloud.db.rollups_query import Span
from cloud.db.rows.coldchain import Profile
from cloud.reports.errors import Ambiguous, NotFound
from cloud.reports.model import BatchInfo, Handover, Kind
from cloud.reports.shipments import pick, unit_shipments


@dataclass(frozen=True)
class BatchReport:
    """A batch's whole life."""

    batch_id: int


@dataclass(frozen=True)
class StayReport:
    """The batch's stay at a location that includes the time `at` (site: any, if None)."""

    batch_id: int
    location: str
    at: datetime
    site: str | None = None


@dataclass(frozen=True)
class ShipmentReport:
    """The unit's shipment that departed at `departed` (None: its latest)."""

    sscc: str
    departed: datetime | None = None
    profile_id: str | None = None


Request = BatchReport | StayReport | ShipmentReport


@dataclass(frozen=True)
class Scope:
    """A request resolved: the spans, batches, profile and events the report is made of."""

    kind: Kind
    spans: tuple[Span, ...]
    batches: tuple[BatchInfo, ...]
    profile: Profile | None
    events: tuple[ChainedEvent, ...]
    start: datetime | None
    end: datetime | None
    ongoing: bool
    sscc: str | None = None
    from_site: str | None = None
    to_site: str | None = None
    seen_by: str | None = None  # an operator's site: the scope is cut to its part (seen.py)
    handovers: tuple[Handover, ...] = ()


def _batch_info(cur: Cursor, batch_id: int) -> BatchInfo:
    header = timeline_store.batch_header(cur, batch_id)
    if header is None:
        raise NotFound(f"no batch {batch_id}")
    return BatchInfo(
        batch_id,
        header["gtin"],
        header["lot"],
        header["product_name"],
        header["producer_name"],
    )


def _within(event: ChainedEvent, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or event.time >= start) and (end is None or event.time <= end)


def _batch_scope(cur: Cursor, request: BatchReport | StayReport) -> Scope:
    info = _batch_info(cur, request.batch_id)
    stays = merge_stays(batch_stays(cur, request.batch_id))
    spans = [Span(s.site_id, s.location, s.start, s.end) for s in stays]
    kind: Kind = "batch"
    if isinstance(request, StayReport):
        kind = "stay"
        spans = [
            s
            for s in spans
            if s.location == request.location
            and (request.site is None or s.site_id == request.site)
            and s.start <= request.at
            and (s.end is None or request.at < s.end)
        ][:1]
        if not spans:
            raise NotFound(
                f"batch {request.batch_id} was not at {request.location} at {request.at}"
            )
    start = min((s.start for s in spans), default=None)
    ongoing = any(s.end is None for s in spans)
    end = None if ongoing or not spans else max(s.end for s in spans if s.end is not None)
    events = [e for e in batch_events_chained(cur, request.batch_id) if _within(e, start, end)]
    return Scope(
        kind=kind,
        spans=(*spans,),
        batches=(info,),
        profile=batch_profile(cur, request.batch_id),
        events=(*events,),
        start=start,
        end=end,
        ongoing=ongoing,
    )


def _shipment_profile(cur: Cursor, profile_ids: set[str], wanted: str | None) -> Profile | None:
    if wanted is not None:
        profile = profile_by_id(cur, wanted)
        if profile is None:
            raise NotFound(f"no cold-chain profile {wanted!r}")
        return profile
    if len(profile_ids) > 1:
        choices = sorted(profile_ids)
        raise Ambiguous(f"the unit's contents have several profiles: {', '.join(choices)}", choices)
    return profile_by_id(cur, profile_ids.pop()) if profile_ids else None


def _shipment_scope(cur: Cursor, request: ShipmentReport) -> Scope:
    shipment = pick(unit_shipments(cur, request.sscc), request.departed)
    if shipment is None:
        raise NotFound(f"no shipment of unit {request.sscc}")
    contents = units_store.unit_contents(cur, request.sscc)
    profile = _shipment_profile(
        cur, {c.profile_id for c in contents if c.profile_id is not None}, request.profile_id
    )
    events = [
        e
        for e in unit_events_chained(cur, request.sscc)
        if _within(e, shipment.departed, shipment.arrived)
    ]
    return Scope(
        kind="shipment",
        spans=shipment.legs,
        batches=tuple(_batch_info(cur, c.batch_id) for c in contents),
        profile=profile,
        events=(*events,),
        start=shipment.departed,
        end=shipment.arrived,
        ongoing=shipment.arrived is None,
        sscc=request.sscc,
        from_site=shipment.from_site,
        to_site=shipment.to_site,
    )


def resolve(cur: Cursor, request: Request, *, site: str | None = None) -> Scope:
    """The scope of a request; NotFound or Ambiguous when it names nothing or several things.

    `site`: for an operator of that site, whose scope is cut to its part by `seen.seen_from`;
    here only the choice of a stay (one of that site's) or a shipment (from or to it).
    """
    if isinstance(request, ShipmentReport):
        scope = _shipment_scope(cur, request)
        if site is not None and site not in (scope.from_site, scope.to_site):
            raise NotFound(f"no shipment of unit {request.sscc} from or to site {site}")
        return scope
    if isinstance(request, StayReport) and site is not None:
        if request.site not in (None, site):
            raise NotFound(f"batch {request.batch_id} has no stay of site {request.site} to show")
        request = replace(request, site=site)
    return _batch_scope(cur, request)
