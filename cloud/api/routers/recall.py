"""Recall: from a batch, a logistic unit (SSCC) or a serial, what is affected; as JSON or CSV."""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from psycopg2.extensions import cursor as Cursor

from cloud.api.access import SiteReader
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.public import GtinPath, LotPath
from cloud.trace.recall_csv import recall_csv
from cloud.trace.recall_models import Recall, RecallStart
from cloud.trace.recall_service import RecallNotFound, recall

router = APIRouter(
    prefix="/api/recall",
    tags=["recall"],
    responses={
        200: {"content": {"text/csv": {}}, "description": "The recall (JSON, or CSV)"},
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
SsccPath = Annotated[str, Path(pattern=r"^\d{18}$", description="SSCC, 18 digits")]
SerialPath = Annotated[
    str, Path(pattern=r"^[!-~]{1,20}$", description="Serial (GS1 AI 21, character set 82)")
]
MaxHops = Annotated[int, Query(ge=1, le=20, description="Steps to follow each way")]
Format = Annotated[
    Literal["json", "csv"], Query(alias="format", description="json, or csv for the recall notice")
]


def _answer(
    cur: Cursor, principal: Principal, start: RecallStart, max_hops: int, form: str
) -> Response | Recall:
    """The recall as the caller may see it (404: unknown, or no part of theirs in it)."""
    try:
        found = recall(cur, start, site=principal.site, max_hops=max_hops)
    except RecallNotFound as err:
        raise ApiError(404, "not_found", str(err)) from err
    if form == "json":
        return found
    name = "-".join(v for v in (start.kind, start.gtin, start.lot, start.sscc, start.serial) if v)
    return Response(
        recall_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="recall-{name}.csv"'},
    )


@router.get("/batches/{gtin}/{lot}", response_model=Recall, summary="Recall from a batch")
def recall_batch(
    principal: SiteReader,
    cur: CursorDep,
    gtin: GtinPath,
    lot: LotPath,
    max_hops: MaxHops = 10,
    form: Format = "json",
) -> Response | Recall:
    """Batches (start, forward, backward, shared), units, shipments, receivers and places.

    Operators see their own site's part, and their direct suppliers and customers by name
    and handover time; admins and inspectors the whole chain. `format=csv`: one row per
    batch, unit, shipment, receiver and place, for the recall notice.
    """
    start = RecallStart(kind="batch", gtin=gtin.zfill(14), lot=lot)
    return _answer(cur, principal, start, max_hops, form)


@router.get("/units/{sscc}", response_model=Recall, summary="Recall from a pallet or case")
def recall_unit(
    principal: SiteReader,
    cur: CursorDep,
    sscc: SsccPath,
    max_hops: MaxHops = 10,
    form: Format = "json",
) -> Response | Recall:
    """The same, from what the logistic unit holds."""
    return _answer(cur, principal, RecallStart(kind="sscc", sscc=sscc), max_hops, form)


@router.get("/items/{gtin}/{serial}", response_model=Recall, summary="Recall from one unit")
def recall_item(
    principal: SiteReader,
    cur: CursorDep,
    gtin: GtinPath,
    serial: SerialPath,
    max_hops: MaxHops = 10,
    form: Format = "json",
) -> Response | Recall:
    """The same, from the batch a serialised unit was commissioned into."""
    start = RecallStart(kind="serial", gtin=gtin.zfill(14), serial=serial)
    return _answer(cur, principal, start, max_hops, form)


def csv_url(start: RecallStart) -> str:
    """Where the recall from `start` is downloaded as CSV."""
    if start.kind == "batch":
        path = f"batches/{start.gtin}/{quote(start.lot or '', safe='')}"
    elif start.kind == "sscc":
        path = f"units/{start.sscc}"
    else:
        path = f"items/{start.gtin}/{quote(start.serial or '', safe='')}"
    return f"/api/recall/{path}?format=csv"
