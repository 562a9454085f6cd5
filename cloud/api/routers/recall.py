"""Recall: from a batch, a logistic unit (SSCC) or a serial, what is affected; as JSON or CSV."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from psycopg2.extensions import cursor as Cursor

from cloud.api.access import SiteReader
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.trace.recall_csv import recall_csv
from cloud.trace.recall_models import Recall, RecallStart
from cloud.trace.recall_service import RecallNotFound, recall

router = APIRouter(
    prefix="/api/recall",
    tags=["recall"],
    responses={
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
CODE = r"^[!-~]{1,20}$"  # GS1 AI 10 / AI 21: character set 82, up to 20


def recall_start(
    kind: Annotated[Literal["batch", "sscc", "serial"], Query(description="What it starts from")],
    gtin: Annotated[
        str | None, Query(pattern=r"^(\d{8}|\d{12,14})$", description="GTIN (batch, serial)")
    ] = None,
    lot: Annotated[str | None, Query(pattern=CODE, description="Lot (batch)")] = None,
    sscc: Annotated[str | None, Query(pattern=r"^\d{18}$", description="SSCC (sscc)")] = None,
    serial: Annotated[str | None, Query(pattern=CODE, description="Serial (serial)")] = None,
) -> RecallStart:
    """The start named by the query (422 when its codes are missing)."""
    needed = {"batch": ("gtin", "lot"), "sscc": ("sscc",), "serial": ("gtin", "serial")}[kind]
    given = {"gtin": gtin.zfill(14) if gtin else None, "lot": lot, "sscc": sscc, "serial": serial}
    missing = [name for name in needed if given[name] is None]
    if missing:
        details = [{"field": name, "reason": f"needed to recall from a {kind}"} for name in missing]
        raise ApiError(422, "invalid", f"a {kind} recall needs {', '.join(needed)}", details)
    return RecallStart(kind=kind, **{name: given[name] for name in needed})


StartDep = Annotated[RecallStart, Depends(recall_start)]
MaxHops = Annotated[int, Query(ge=1, le=20, description="Steps to follow each way")]


def _recall(cur: Cursor, principal: Principal, start: RecallStart, max_hops: int) -> Recall:
    try:
        return recall(cur, start, site=principal.site, max_hops=max_hops)
    except RecallNotFound as err:
        raise ApiError(404, "not_found", str(err)) from err


@router.get("", response_model=Recall, summary="What a recall concerns")
def get_recall(
    principal: SiteReader, cur: CursorDep, start: StartDep, max_hops: MaxHops = 10
) -> Recall:
    """Batches (start, forward, backward, shared), units, shipments, receivers and places.

    Operators see their own site's part, and their direct suppliers and customers by name
    and handover time; admins and inspectors the whole chain.
    """
    return _recall(cur, principal, start, max_hops)


@router.get(
    ".csv",
    summary="What a recall concerns, as CSV for the recall notice",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per record"}},
)
def get_recall_csv(
    principal: SiteReader, cur: CursorDep, start: StartDep, max_hops: MaxHops = 10
) -> Response:
    """The same, one row per batch, unit, shipment, receiver and place."""
    found = _recall(cur, principal, start, max_hops)
    name = "-".join(v for v in (start.kind, start.gtin, start.lot, start.sscc, start.serial) if v)
    return Response(
        recall_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="recall-{name}.csv"'},
    )
