"""A serialised pack's consumer page: /01/{gtin}/10/{lot}/21/{serial}, counted, rate-limited.

The batch's page comes from the consumer page's cache as it is; only a small fragment about
this code (first checked on, how often, signals, the consent form) is made per request, from
one statement that counts the check and answers the code's state. A client's repeated check
of the same code within `api_checks_repeat_s` is shown but not counted again.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cloud.api.access import Sites, access
from cloud.api.deps import hold_slot
from cloud.api.rate_limit import RateLimiter, RepeatFilter
from cloud.api.routers.public import GtinPath, LotPath, cached_body, page_of
from cloud.api.routers.ui_session import FormDep
from cloud.api.ui_support import language, render, render_html
from cloud.db import public_checks as store
from cloud.db.errors import DatabaseUnavailable
from cloud.db.pool import Database
from cloud.db.public_checks import CheckState
from cloud.labels.provinces import PROVINCES
from cloud.labels.signals import Limits, Signal, far_apart, signals
from cloud.settings.api import ApiSettings

router = APIRouter(tags=["public"])
log = logging.getLogger(__name__)

CHECK_SLOT = b"<!--txng:check-->"
SerialPath = Annotated[
    str, Path(min_length=1, max_length=20, pattern=r"^[!-~]+$", description="Serial (AI 21)")
]


class PublicChecks:
    """A process's limits on checks: a token bucket per client, repeats, signal limits."""

    def __init__(self, settings: ApiSettings):
        self.limiter = RateLimiter(settings.api_checks_per_minute, settings.api_checks_burst)
        self.repeats = RepeatFilter(settings.api_checks_repeat_s)
        self.shared = RepeatFilter(settings.api_checks_repeat_s)
        self.window_s = settings.api_checks_window_h * 3600
        self.limits = Limits(
            window=timedelta(hours=settings.api_checks_window_h),
            often=settings.api_checks_often,
            far_km=settings.api_checks_far_km,
        )


def public_checks(request: Request) -> PublicChecks:
    """The application's PublicChecks, made on first use (in the event loop: no race)."""
    state = request.app.state
    checks: PublicChecks | None = getattr(state, "public_checks", None)
    if checks is None:
        checks = state.public_checks = PublicChecks(state.settings)
    return checks


def _client(request: Request) -> str:
    # Behind a reverse proxy, uvicorn takes this from X-Forwarded-For when the proxy is one of
    # TXNG_API_FORWARDED_ALLOW_IPS.
    return request.client.host if request.client else "unknown"


def _too_many(wait: float) -> Response:
    return HTMLResponse(
        "<!doctype html><title>429</title><p>Too many checks; please try again shortly.</p>",
        status_code=429,
        headers={"Retry-After": str(max(1, round(wait)))},
    )


def _state(
    database: Database, gtin: str, lot: str, serial: str, count: bool, window_s: float
) -> CheckState | None:
    with database.statements() as conn, conn.cursor() as cur:
        if count:
            return store.record_check(cur, gtin=gtin, lot=lot, serial=serial, window_s=window_s)
        return store.check_state(cur, gtin=gtin, lot=lot, serial=serial, window_s=window_s)


def _fragment(
    request: Request, checks: PublicChecks, state: CheckState | None, counted: bool,
    offer_share: bool,
) -> bytes:
    provinces = [p for p, _ in state.places] if state else []
    found = (
        signals(
            commissioned=state.commissioned, window_start=state.window_start,
            window_checks=state.window_checks, provinces=provinces, limits=checks.limits,
            now=datetime.now(UTC),
        )
        if state
        else []
    )
    html = render_html(
        request, "_check.html", state=state, counted=counted, signals=[s.value for s in found],
        far=far_apart(provinces, checks.limits) if Signal.FAR_APART in found else None,
        provinces=PROVINCES.values(), offer_share=offer_share and state is not None,
        shared=request.query_params.get("shared") == "1",
    )
    return html.encode()


@router.get(
    "/01/{gtin}/10/{lot}/21/{serial}",
    response_class=HTMLResponse,
    summary="Consumer page of a serialised pack (GS1 Digital Link), with its checks",
    dependencies=[access(sites=Sites.PUBLIC)],
    responses={404: {"description": "Unknown batch"}, 429: {"description": "Too many checks"}},
)
async def serial_page(
    request: Request, gtin: GtinPath, lot: LotPath, serial: SerialPath
) -> Response:
    """The batch's page with this code's checks: counted once per client and code a while."""
    checks = public_checks(request)
    client = _client(request)
    wait = checks.limiter.allow(client)
    if wait:
        return _too_many(wait)
    gtin14 = gtin.zfill(14)
    content, cache = await cached_body(request, (gtin14, lot, language(request)), page_of(request))
    if content is None:
        return await run_in_threadpool(
            render, request, "consumer_missing.html", status_code=404, gtin=gtin, lot=lot
        )
    counted = checks.repeats.first((client, gtin14, serial))
    try:
        async with hold_slot(request):
            state = await run_in_threadpool(
                _state, request.app.state.database, gtin14, lot, serial, counted, checks.window_s
            )
    except DatabaseUnavailable as err:  # the page still shows; the check is not counted
        log.warning("public check of %s/%s not counted: %s", gtin14, serial, err)
        state, counted = None, False
    offer = not checks.shared.seen((client, gtin14, serial))
    fragment = _fragment(request, checks, state, counted, offer)
    return HTMLResponse(
        content.replace(CHECK_SLOT, fragment, 1),
        headers={"Cache-Control": "no-store", "X-Cache": cache},
    )


@router.post(
    "/01/{gtin}/10/{lot}/21/{serial}/place",
    response_class=RedirectResponse,
    status_code=303,
    summary="Share the province a code was just checked in (with the consumer's consent)",
    dependencies=[access(sites=Sites.PUBLIC)],
    responses={422: {"description": "Unknown province"}, 429: {"description": "Too many"}},
)
async def share_place(
    request: Request, gtin: GtinPath, lot: LotPath, serial: SerialPath, form: FormDep
) -> Response:
    """Only the province is kept, once per client and code, and only after a counted check."""
    checks = public_checks(request)
    client = _client(request)
    wait = checks.limiter.allow(client)
    if wait:
        return _too_many(wait)
    province = form.get("province", "")
    if province not in PROVINCES:
        return HTMLResponse("<p>Unknown province.</p>", status_code=422)
    gtin14 = gtin.zfill(14)
    code = (client, gtin14, serial)
    if checks.repeats.seen(code) and checks.shared.first(code):
        async with hold_slot(request):
            await run_in_threadpool(_place, request.app.state.database, gtin14, lot, serial,
                                    province)
    page = f"/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}?shared=1"
    return RedirectResponse(page, status_code=303)


def _place(database: Database, gtin: str, lot: str, serial: str, province: str) -> None:
    with database.statements() as conn, conn.cursor() as cur:
        store.record_place(cur, gtin=gtin, lot=lot, serial=serial, province=province)
