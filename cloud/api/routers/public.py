"""The consumer page behind a pack's QR code: GS1 Digital Link /01/{gtin}/10/{lot}, public."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cloud.api.access import Sites, access
from cloud.api.batched_reads import BatchedReads
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.lean_route import LeanRoute
from cloud.api.public_page import ColdChain, cold_chain_of, page_batch
from cloud.api.single_flight import SingleFlight
from cloud.api.ttl_cache import TtlCache
from cloud.api.ui_support import language, remember_language, render, render_html
from cloud.db import batches_store as store
from cloud.db.batch_steps_store import StoryFacts
from cloud.trace.journey import JourneyStep, journey
from cloud.trace.story import public_story

# Lean routes: a request with plainly valid GTIN and lot skips FastAPI's dependency solving.
router = APIRouter(
    tags=["public"], dependencies=[access(sites=Sites.PUBLIC)], route_class=LeanRoute
)
log = logging.getLogger(__name__)

GtinPath = Annotated[
    str, Path(pattern=r"^(\d{8}|\d{12,14})$", description="GTIN (8, 12, 13 or 14 digits)")
]
LotPath = Annotated[str, Path(min_length=1, max_length=20, description="Lot (GS1 AI 10)")]


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
    journey: list[JourneyStep] = Field(
        description="The journey: harvest, processing, packing, cold storage (with its "
        "verdict), shipping, arrival; nothing private"
    )


Found = tuple[dict[str, Any], StoryFacts]  # a batch's row and its story's facts, as read


def consumer_view(found: Found) -> ConsumerBatch:
    """The public facts of a batch, from its row and story's facts (store.consumer_page's)."""
    row, facts = found
    story, verdicts = public_story(facts)
    return ConsumerBatch(
        **{k: row[k] for k in ConsumerBatch.model_fields if k in row},
        trace_code=f"(01){row['gtin']}(10){row['lot']}",
        cold_chain=cold_chain_of(row),
        allowed_min=row["min_value"],
        allowed_max=row["max_value"],
        stages=[Stage.model_validate(s, from_attributes=True) for s in story.steps],
        journey=journey(
            story, verdicts, site_name=row["site_name"], origin_name=row["origin_name"]
        ),
    )


BatchKey = tuple[str, str]  # (GTIN padded to 14 digits, lot)
BodyKey = tuple[str, str, str]  # (GTIN padded to 14 digits, lot, "json" or the page language)
Produce = Callable[[Found], bytes]


class Fresh(NamedTuple):
    """A body just made: None when the batch is unknown; whether the database was asked."""

    content: bytes | None
    queried: bool


class PublicBodies:
    """A process's finished answers of the public routes, kept as long as their views."""

    def __init__(self, ttl_s: float):
        # An expired body is still served for another `ttl_s` while one request fetches the
        # new one, so no asker waits on the database for a page it was just shown.
        self.cache = TtlCache[BodyKey, bytes](ttl_s, stale_s=ttl_s)
        self.flights = SingleFlight[BodyKey, Fresh]()
        self.refreshing: dict[BodyKey, asyncio.Task[Fresh]] = {}

    def refresh(self, key: BodyKey, work: Callable[[], Awaitable[Fresh]]) -> None:
        """Fetch `key` anew in the background, unless that is under way already."""
        if key in self.refreshing:
            return
        task = asyncio.ensure_future(self.flights.run(key, work))
        self.refreshing[key] = task
        task.add_done_callback(lambda done: self._refreshed(key, done))

    def _refreshed(self, key: BodyKey, task: "asyncio.Task[Fresh]") -> None:
        del self.refreshing[key]
        if not task.cancelled() and task.exception() is not None:
            log.warning("refreshing a consumer page failed: %s", task.exception())


def public_bodies(request: Request) -> PublicBodies:
    """The application's PublicBodies, made on first use (in the event loop: no race)."""
    state = request.app.state
    bodies: PublicBodies | None = getattr(state, "public_bodies", None)
    if bodies is None:
        bodies = state.public_bodies = PublicBodies(state.settings.api_public_cache_s)
    return bodies


def page_reads(request: Request) -> BatchedReads[BatchKey, Found]:
    """The application's reads of batches' rows: the batches asked together, in one statement."""
    state = request.app.state
    batched: BatchedReads[BatchKey, Found] | None = getattr(state, "page_reads", None)
    if batched is None:
        reads = state.reads

        async def one(key: BatchKey) -> Found | None:
            return await store.consumer_page(reads, gtin=key[0], lot=key[1])

        async def many(keys: list[BatchKey]) -> dict[BatchKey, Found]:
            return await store.consumer_pages(reads, keys)

        batched = state.page_reads = BatchedReads(one, many)
    return batched


async def _fresh_body(request: Request, key: BodyKey, produce: Produce) -> Fresh:
    """produce(the batch's rows); the database (awaited here) only when they are not kept.

    All in the event loop: the query is one awaited statement, and handing the page's work
    to a worker thread and back cost more CPU than it spared the loop (the GIL is shared).
    """
    batch: BatchKey = (key[0], key[1])
    kept: TtlCache[BatchKey, Found] = request.app.state.public_cache
    found = kept.get(batch)
    queried = found is None
    if found is None:
        found = await page_reads(request).get(batch)
        if found is not None:
            kept.put(batch, found)
    content = produce(found) if found is not None else None
    if content is not None:
        public_bodies(request).cache.put(key, content)
    return Fresh(content, queried)


async def cached_body(request: Request, key: BodyKey, produce: Produce) -> tuple[bytes | None, str]:
    """(body of the batch's answer or None if unknown, X-Cache: hit, stale or miss).

    Kept bodies return at once (hit); a body expired less than a TTL ago too, while it is
    fetched anew in the background (stale); else this request fetches it (miss if the database
    was asked). Concurrent fetches of one key share one query and one rendering.
    """
    bodies = public_bodies(request)
    content = bodies.cache.get(key)
    if content is not None:
        return content, "hit"
    stale = bodies.cache.stale(key)
    if stale is not None:
        bodies.refresh(key, lambda: _fresh_body(request, key, produce))
        return stale, "stale"
    fresh = await bodies.flights.run(key, lambda: _fresh_body(request, key, produce))
    return fresh.content, "miss" if fresh.queried else "hit"


def page_of(request: Request) -> Produce:
    """The consumer page of a batch, in the request's language (the same bytes for every key).

    Made from the rows as read (public_page.page_batch), without the JSON answer's models.
    """

    def page(found: Found) -> bytes:
        # Shared by the requests of one key: the page takes only its language from `request`.
        return render_html(request, "consumer.html", batch=page_batch(*found)).encode()

    return page


def _json_body(found: Found) -> bytes:
    return consumer_view(found).model_dump_json().encode()


@router.get(
    "/api/public/01/{gtin}/10/{lot}",
    response_model=ConsumerBatch,
    summary="Public facts of a batch (JSON)",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
async def consumer_json(request: Request, gtin: GtinPath, lot: LotPath) -> Response:
    """The consumer page's data; no login needed."""
    content, cache = await cached_body(request, (gtin.zfill(14), lot, "json"), _json_body)
    if content is None:
        raise ApiError(404, "not_found", f"no batch {gtin}/{lot}")
    return Response(content, media_type="application/json", headers={"X-Cache": cache})


@router.get(
    "/01/{gtin}/10/{lot}",
    response_class=HTMLResponse,
    summary="Consumer page (GS1 Digital Link)",
    responses={404: {"description": "Unknown batch (an HTML page)"}},
)
async def consumer_page(request: Request, gtin: GtinPath, lot: LotPath) -> Response:
    """The phone-friendly page a pack's QR code opens; query parameters are accepted."""
    key = (gtin.zfill(14), lot, language(request))
    content, cache = await cached_body(request, key, page_of(request))
    if content is None:
        return await run_in_threadpool(
            render, request, "consumer_missing.html", status_code=404, gtin=gtin, lot=lot
        )
    response = HTMLResponse(
        content, headers={"Cache-Control": "public, max-age=60", "X-Cache": cache}
    )
    remember_language(request, response)
    return response
