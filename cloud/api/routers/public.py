"""The consumer page behind a pack's QR code: GS1 Digital Link /01/{gtin}/10/{lot}, public."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field

from cloud.api.deps import DatabaseDep, SlotDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.ttl_cache import TtlCache
from cloud.api.ui_support import render
from cloud.db import api_public as store
from cloud.db.pool import Database

router = APIRouter(tags=["public"])

GtinPath = Annotated[
    str, Path(pattern=r"^(\d{8}|\d{12,14})$", description="GTIN (8, 12, 13 or 14 digits)")
]
LotPath = Annotated[str, Path(min_length=1, max_length=20, description="Lot (GS1 AI 10)")]
ColdChain = Literal["ok", "excursion", "not_monitored"]


class Stage(BaseModel):
    """One stage the batch went through (no device or person is named)."""

    biz_step: str = Field(description="GS1 CBV business step (packing, storing, shipping, …)")
    first_time: datetime = Field(description="First event of the stage")
    last_time: datetime = Field(description="Last event of the stage")
    site_name: str | None = Field(description="Name of the site")
    location_name: str | None = Field(description="Name of the place")
    location_kind: str | None = Field(description="Kind of place (cold_room, vehicle, …)")


class ConsumerBatch(BaseModel):
    """What a consumer may know about a batch: nothing private."""

    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot")
    trace_code: str = Field(description="GS1 element string (01)…(10)…")
    product_name: str = Field(description="Product name")
    image_url: str | None = Field(description="Product image")
    producer_name: str | None = Field(description="Producer")
    producer_address: str | None = Field(description="Producer address")
    ocop_stars: int | None = Field(description="OCOP rating, 1-5 stars")
    net_content: str | None = Field(description="Net content")
    standards: str | None = Field(description="Standards applied")
    origin_code: str | None = Field(description="Farm plot or growing area")
    origin_name: str | None = Field(description="Name of the origin place")
    site_name: str | None = Field(description="Producing site")
    production_date: date | None = Field(description="Production (harvest) date")
    pack_date: date | None = Field(description="Packing date")
    expiry_date: date | None = Field(description="Expiry date")
    quantity: Decimal | None = Field(description="Batch size")
    unit: str | None = Field(description="Unit of the batch size")
    verified: bool = Field(description="Known from the producer's master data")
    cold_chain: ColdChain = Field(description="ok, excursion or not_monitored")
    allowed_min: float | None = Field(description="Lower bound of the allowed temperature")
    allowed_max: float | None = Field(description="Upper bound of the allowed temperature")
    stages: list[Stage] = Field(description="Stages in time order")


def consumer_view(cur: Cursor, gtin: str, lot: str) -> ConsumerBatch | None:
    """The public facts of batch (GTIN padded to 14 digits, lot), None if unknown."""
    row = store.consumer_batch(cur, gtin=gtin.zfill(14), lot=lot)
    if row is None:
        return None
    monitored = row["min_value"] is not None or row["max_value"] is not None
    cold: ColdChain = "not_monitored"
    if row["excursions"] or row["excursion_alerts"]:
        cold = "excursion"
    elif monitored:
        cold = "ok"
    return ConsumerBatch(
        **{k: row[k] for k in ConsumerBatch.model_fields if k in row},
        trace_code=f"(01){row['gtin']}(10){row['lot']}",
        cold_chain=cold,
        allowed_min=row["min_value"],
        allowed_max=row["max_value"],
        stages=[Stage.model_validate(s) for s in store.consumer_stages(cur, batch_id=row["id"])],
    )


def cached_view(request: Request, database: Database, gtin: str, lot: str) -> ConsumerBatch | None:
    """consumer_view, reused a few seconds per (GTIN, lot); request.state.cache: hit or miss."""
    key = (gtin.zfill(14), lot)
    cache: TtlCache[tuple[str, str], ConsumerBatch] = request.app.state.public_cache
    view = cache.get(key)
    request.state.cache = "hit" if view is not None else "miss"
    if view is None:
        with database.transaction() as conn, conn.cursor() as cur:
            view = consumer_view(cur, gtin, lot)
        if view is not None:
            cache.put(key, view)
    return view


@router.get(
    "/api/public/01/{gtin}/10/{lot}",
    response_model=ConsumerBatch,
    summary="Public facts of a batch (JSON)",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def consumer_json(
    request: Request,
    response: Response,
    database: DatabaseDep,
    _slot: SlotDep,
    gtin: GtinPath,
    lot: LotPath,
) -> ConsumerBatch:
    """The consumer page's data; no login needed."""
    view = cached_view(request, database, gtin, lot)
    if view is None:
        raise ApiError(404, "not_found", f"no batch {gtin}/{lot}")
    response.headers["X-Cache"] = request.state.cache
    return view


@router.get(
    "/01/{gtin}/10/{lot}",
    response_class=HTMLResponse,
    summary="Consumer page (GS1 Digital Link)",
    responses={404: {"description": "Unknown batch (an HTML page)"}},
)
def consumer_page(
    request: Request, database: DatabaseDep, _slot: SlotDep, gtin: GtinPath, lot: LotPath
) -> HTMLResponse:
    """The phone-friendly page a pack's QR code opens; query parameters are accepted."""
    view = cached_view(request, database, gtin, lot)
    if view is None:
        return render(request, "consumer_missing.html", status_code=404, gtin=gtin, lot=lot)
    response = render(request, "consumer.html", batch=view)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["X-Cache"] = request.state.cache
    return response
