"""Downloads: a batch's full trace as an EPCIS document; FSMA 204-style shipping/receiving CSV."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.batches import visible_batch
from cloud.api.routers.epcis import EpcisSettingsDep, invalid
from cloud.db.export_store import kde_rows
from cloud.epcis import service
from cloud.epcis.errors import EpcisInvalid
from cloud.epcis.naming import Naming
from cloud.exports.fsma204 import kde_csv

router = APIRouter(
    tags=["exports"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


@router.get("/api/batches/{batch_id}/epcis", summary="A batch's full trace as EPCIS 2.0")
def batch_epcis(
    batch_id: Annotated[int, Path(ge=1, le=2**62)],
    cur: CursorDep,
    principal: SiteReader,
    settings: EpcisSettingsDep,
) -> JSONResponse:
    """Scans, packings, transformations, stay conditions and captured events of the batch.

    An operator gets their own site's part of it (and the makings: one step back and forward).
    """
    visible_batch(cur, principal, batch_id)
    try:
        document = service.batch_document(cur, Naming(settings), batch_id, site=principal.scope())
    except EpcisInvalid as err:  # our own data: a bug, but say what
        raise invalid(err) from err
    if document is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return JSONResponse(
        document,
        media_type="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.epcis.json"'},
    )


@router.get(
    "/api/exports/fsma204.csv",
    summary="Shipping and receiving key data elements (FSMA 204-style CSV)",
    description="One row per batch per shipping or receiving event (ours and captured EPCIS "
    "events; `asserted_by` says partner for what a partner asserts) in [from, to] (dates, "
    "UTC), sorted by time, lot and event. An operator gets their own site's events and the "
    "events captured for it.",
)
def fsma204(
    cur: CursorDep,
    principal: SiteReader,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
) -> Response:
    """The KDE spreadsheet for a date range (at most 366 days)."""
    if to_date < from_date or to_date - from_date > timedelta(days=366):
        raise ApiError(400, "bad_request", "`to` must be on or after `from`, within 366 days")
    rows = kde_rows(cur, start=from_date, end=to_date + timedelta(days=1), site=principal.scope())
    return Response(
        kde_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="fsma204-{from_date}-{to_date}.csv"'
        },
    )
