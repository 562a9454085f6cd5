"""Batches (GTIN + lot): search, one batch, its timeline and its downsampled readings."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cloud.api.access import ROLES, SiteReader, Sites, access, gate
from cloud.api.auth import Principal, current_principal
from cloud.api.deps import CursorDep, hold_slot
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.lean_route import LeanRoute
from cloud.api.paging import Page, PagingDep
from cloud.db import batches_store as store
from cloud.db import excursions_store
from cloud.db.pool import Database
from cloud.db.readings_query import batch_series
from cloud.trace.timeline import Point, Timeline, timeline_json

router = APIRouter(
    prefix="/api/batches",
    tags=["batches"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

BatchStatus = Literal["ok", "alerting", "expired", "unverified"]
BatchId = Annotated[int, Path(ge=1, le=2**62, description="Batch id")]


class Batch(BaseModel):
    """A production lot: GTIN + lot, with its dates, origin and derived status."""

    id: int = Field(description="Batch id")
    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot (GS1 AI 10)")
    product_name: str | None = Field(description="Name of the product")
    site_id: str | None = Field(description="Producing site")
    production_date: date | None = Field(description="Production (harvest) date")
    pack_date: date | None = Field(description="Packing date")
    expiry_date: date | None = Field(description="Expiry date")
    origin_code: str | None = Field(description="Farm plot or growing area code")
    quantity: Decimal | None = Field(description="Quantity produced")
    unit: str | None = Field(description="Unit of the quantity")
    verified: bool = Field(description="Known from master data (not only from a scan)")
    source: str = Field(description="Where the batch came from: import, scan, api, epcis")
    first_seen: datetime | None = Field(description="First scan of the batch")
    created_at: datetime = Field(description="When the batch was recorded")
    status: BatchStatus = Field(
        description="expired (past expiry), alerting (an alert not cleared), unverified, or ok"
    )


def visible_batch(cur: Cursor, principal: Principal, batch_id: int) -> Batch:
    """The batch if this user may see it; 404 otherwise (another site's batch is not shown)."""
    row = store.get_batch(cur, batch_id=batch_id, site=principal.scope())
    if row is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return Batch.model_validate(row)


@router.get("", response_model=Page[Batch], summary="Search batches")
def list_batches(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    site: Annotated[str | None, Query(max_length=64, description="Made at or stayed at")] = None,
    gtin: Annotated[str | None, Query(pattern=r"^\d{8}$|^\d{12,14}$", description="GTIN")] = None,
    lot: Annotated[str | None, Query(max_length=20, description="Lot starts with")] = None,
    made_from: Annotated[date | None, Query(description="Production date on or after")] = None,
    made_to: Annotated[date | None, Query(description="Production date on or before")] = None,
    status: Annotated[BatchStatus | None, Query(description="Derived status")] = None,
) -> Page[Batch]:
    """Batches by GTIN, lot, production date and status; operators see their site's only."""
    rows, total = store.list_batches(
        cur,
        site=principal.scope(site),
        gtin=gtin.zfill(14) if gtin else None,
        lot=lot,
        made_from=made_from,
        made_to=made_to,
        status=status,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [Batch.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{batch_id}", response_model=Batch, summary="One batch", responses={404: {"model": ErrorBody}}
)
def get_batch(principal: SiteReader, cur: CursorDep, batch_id: BatchId) -> Batch:
    """The batch with its derived status."""
    return visible_batch(cur, principal, batch_id)


# Checked in the route's own worker thread (a dependency would take a thread hop of its own).
TIMELINE_ACCESS = access(*ROLES, sites=Sites.OWN, deferred=True)


async def get_timeline(
    request: Request,
    batch_id: BatchId,
    points: Annotated[int, Query(ge=10, le=2000, description="Series buckets")] = 500,
) -> Response:
    """Origin, events, stays with conditions, alerts, series, one step back and forward."""
    # The hottest route: who asks, whether they may see it and the timeline in one worker
    # thread on one connection (dependencies would take a thread hop each).
    async with hold_slot(request):
        body = await run_in_threadpool(_timeline_body, request, batch_id, points)
    # Written as Timeline's JSON (the OpenAPI schema is still response_model's).
    return Response(body, media_type="application/json")


# A lean route: a request with a plainly valid id (and points) skips FastAPI's dependency
# solving and validation, about a sixth of the API's CPU for a timeline.
router.add_api_route(
    "/{batch_id}/timeline",
    get_timeline,
    methods=["GET"],
    response_model=Timeline,
    summary="The batch's timeline",
    responses={404: {"model": ErrorBody}},
    dependencies=[TIMELINE_ACCESS],
    route_class_override=LeanRoute,
)


def _timeline_body(request: Request, batch_id: int, points: int) -> bytes:
    database: Database = request.app.state.database
    # Each statement complete in itself (a token's last use, the one write, commits at once):
    # no BEGIN and COMMIT round trips.
    with database.statements() as conn, conn.cursor() as cur:
        principal = gate(TIMELINE_ACCESS).access.check(current_principal(request, cur))
        assert principal is not None
        if principal.site is not None:  # all-site roles see every batch there is
            visible_batch(cur, principal, batch_id)
        body = timeline_json(cur, batch_id, points=points, site=principal.site)
    if body is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return body


class SeriesPoint(Point):
    """One time bucket of readings (the timeline's series point, under this route's name)."""


class Excursion(BaseModel):
    """A span in which readings linked to the batch left the allowed range."""

    site_id: str = Field(description="Site")
    location: str = Field(description="Location code")
    direction: Literal["high", "low"] = Field(description="Above or below the range")
    start_time: datetime = Field(description="Start (event time)")
    end_time: datetime | None = Field(description="End; null while still going on")
    peak: float = Field(description="Furthest value from the range")
    alerted: bool = Field(description="Lasted long enough to raise an alert")


class Readings(BaseModel):
    """The batch's readings over its life, downsampled, with the allowed band and excursions."""

    batch_id: int = Field(description="Batch id")
    quantity: str = Field(description="temperature (°C) or relative_humidity (%)")
    min_allowed: float | None = Field(description="Lower bound of the allowed range")
    max_allowed: float | None = Field(description="Upper bound of the allowed range")
    points: list[SeriesPoint] = Field(
        description="Buckets of one width (rollup cells; a short life: equal-time), oldest first"
    )
    excursions: list[Excursion] = Field(description="Excursions, oldest first")


@router.get(
    "/{batch_id}/readings",
    response_model=Readings,
    summary="The batch's readings, downsampled",
    responses={404: {"model": ErrorBody}},
)
def get_readings(
    principal: SiteReader,
    cur: CursorDep,
    batch_id: BatchId,
    points: Annotated[int, Query(ge=10, le=2000, description="At most this many buckets")] = 300,
    quantity: Annotated[
        Literal["temperature", "relative_humidity"], Query(description="Which quantity")
    ] = "temperature",
) -> Readings:
    """Min/max/mean per bucket of the readings taken where and while the batch was."""
    visible_batch(cur, principal, batch_id)
    band = store.batch_band(cur, batch_id=batch_id)
    same = band is not None and band["quantity"] == quantity
    site = principal.scope()  # an operator: the readings of their own site's stays only
    series = batch_series(cur, batch_id, points=points, quantity=quantity, site=site)
    return Readings(
        batch_id=batch_id,
        quantity=quantity,
        min_allowed=band["min_value"] if same and band else None,
        max_allowed=band["max_value"] if same and band else None,
        points=[SeriesPoint(**p.__dict__) for p in series],
        excursions=[
            Excursion.model_validate(e)
            for e in excursions_store.batch_excursions(cur, batch_id=batch_id)
            if site is None or e["site_id"] == site
        ]
        if same
        else [],
    )
