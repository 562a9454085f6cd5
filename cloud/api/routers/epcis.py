"""EPCIS 2.0 REST binding, as far as txng goes: capture documents, query events."""

from functools import cache, partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud.api.access import SiteReader, SiteWriter
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.db.epcis_store import capture_report
from cloud.epcis import service
from cloud.epcis.errors import EpcisForbidden, EpcisInvalid
from cloud.epcis.naming import Naming
from cloud.epcis.query import parse_query
from cloud.settings.epcis import EpcisSettings, load_epcis_settings

router = APIRouter(
    prefix="/epcis",
    tags=["epcis"],
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        408: {"model": ErrorBody, "description": "The document arrived too slowly"},
        413: {"model": ErrorBody, "description": "The document is larger than 20 MiB"},
    },
)


@cache
def _settings() -> EpcisSettings:
    return load_epcis_settings()


def get_epcis_settings() -> EpcisSettings:
    """The process's EPCIS settings (TXNG_EPCIS_*), read once."""
    return _settings()


EpcisSettingsDep = Annotated[EpcisSettings, Depends(get_epcis_settings)]


def invalid(err: EpcisInvalid) -> ApiError:
    """An EPCIS validation failure as a 400 naming every problem."""
    details = [{"field": p.path, "reason": p.reason} for p in err.problems]
    return ApiError(400, "epcis_invalid", f"not a valid EPCIS 2.0 document: {err}", details)


@router.post(
    "/capture",
    status_code=202,
    summary="Capture an EPCIS 2.0 document (JSON/JSON-LD)",
    description="Validates the document (the GS1 schema, then CBV values, namespaced extensions "
    "and date-time formats) and stores its events for the caller's site (admins name it with "
    "`site`), linked to batches by LGTIN, SGTIN or SSCC. An event at one of the site's "
    "locations, or elsewhere about the site's own batches, is the site's; any other is kept "
    "as asserted by a partner and labelled so. An event at another site's location, or making "
    "another site's batch, refuses the whole document (403). An event captured before (the "
    "same JSON) is not stored again. Answers 202 with the capture's id.",
)
async def capture(
    request: Request,
    cur: CursorDep,
    principal: SiteWriter,
    settings: EpcisSettingsDep,
    site: Annotated[
        str | None, Query(max_length=64, description="The site capturing (admins name it)")
    ] = None,
) -> JSONResponse:
    """Store a document for the caller's site; 400/403 name every problem (403: not theirs)."""
    capturing = principal.scope(site)
    if capturing is None:
        raise ApiError(400, "bad_request", "name the site you capture for: ?site=SITE")
    body = await request.body()  # read and bounded already (cloud/api/body_limits.py)
    try:
        text = body.decode("utf-8", errors="replace")
        report = await run_in_threadpool(
            partial(
                service.capture,
                naming=Naming(settings),
                site=capturing,
                captured_by=principal.username,
            ),
            cur,
            text,
        )
    except EpcisInvalid as err:
        raise invalid(err) from err
    except EpcisForbidden as err:
        details = [{"field": p.path, "reason": p.reason} for p in err.problems]
        raise ApiError(403, "forbidden", f"not {capturing!r}'s to capture: {err}", details) from err
    capture_id = str(report.capture_id)
    return JSONResponse(
        status_code=202,
        headers={"Location": f"/epcis/capture/{capture_id}"},
        content={
            "captureID": capture_id,
            "createdAt": report.received_at.isoformat(),
            "finishedAt": report.received_at.isoformat(),
            "running": False,
            "success": True,
            "captureErrorBehaviour": "rollback",
            "errors": [],
            "eventsStored": report.stored,
            "eventsAlreadyKnown": report.duplicates,
            "batchIds": report.batch_ids,
        },
    )


@router.get("/capture/{capture_id}", summary="A capture job and its outcome")
def capture_job(
    capture_id: Annotated[str, Path(max_length=64)], cur: CursorDep, principal: SiteReader
) -> dict[str, Any]:
    """A stored capture (captures finish before their 202, so they are never running)."""
    found = capture_report(cur, capture_id, site=principal.scope())
    if found is None:
        raise ApiError(404, "not_found", f"no capture {capture_id}")
    return {
        "captureID": found["id"],
        "createdAt": found["received_at"].isoformat(),
        "finishedAt": found["received_at"].isoformat(),
        "running": False,
        "success": True,
        "captureErrorBehaviour": "rollback",
        "errors": [],
        "eventCount": found["event_count"],
    }


ListParam = Annotated[list[str], Query()]


@router.get(
    "/events",
    summary="Query events (SimpleEventQuery parameters)",
    description="Our own events (rendered as EPCIS) and captured ones, in event-time order. "
    "List parameters may repeat or separate values with `|`. The next page's token is in the "
    "`Link` header (rel=next) and in `GS1-Next-Page-Token`.",
)
def events(
    request: Request,
    response: Response,
    cur: CursorDep,
    principal: SiteReader,
    settings: EpcisSettingsDep,
    event_type: Annotated[list[str], Query(alias="eventType")] = [],  # noqa: B006
    ge_event_time: Annotated[str | None, Query(alias="GE_eventTime")] = None,
    lt_event_time: Annotated[str | None, Query(alias="LT_eventTime")] = None,
    eq_biz_step: Annotated[list[str], Query(alias="EQ_bizStep")] = [],  # noqa: B006
    eq_biz_location: Annotated[list[str], Query(alias="EQ_bizLocation")] = [],  # noqa: B006
    match_epc: Annotated[list[str], Query(alias="MATCH_epc")] = [],  # noqa: B006
    match_epc_class: Annotated[list[str], Query(alias="MATCH_epcClass")] = [],  # noqa: B006
    per_page: Annotated[int, Query(alias="perPage", ge=1)] = 30,
    next_page_token: Annotated[str | None, Query(alias="nextPageToken", max_length=2000)] = None,
) -> dict[str, Any]:
    """One page of matching events as an EPCISQueryDocument."""
    try:
        query = parse_query(
            event_type=event_type,
            ge_event_time=ge_event_time,
            lt_event_time=lt_event_time,
            eq_biz_step=eq_biz_step,
            eq_biz_location=eq_biz_location,
            match_epc=match_epc,
            match_epc_class=match_epc_class,
        )
        document, token = service.run_query(
            cur,
            Naming(settings),
            query,
            per_page=min(per_page, settings.epcis_max_page),
            token=next_page_token,
            site=principal.scope(),
        )
    except EpcisInvalid as err:
        raise invalid(err) from err
    if token is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        url = f"{request.url.path}?{urlencode([*params, ('nextPageToken', token)])}"
        response.headers["Link"] = f'<{url}>; rel="next"'
        response.headers["GS1-Next-Page-Token"] = token
    return document
