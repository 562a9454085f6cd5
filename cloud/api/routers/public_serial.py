"""Serialised units' QR codes without a lot (GS1 Digital Link /01/{gtin}/21/{serial}).

The code with its lot, /01/{gtin}/10/{lot}/21/{serial}, is answered by public_checks (the batch's
page with the code's checks), so a pack's check is counted whichever of the two its QR code holds.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from cloud.api.access import Sites, access
from cloud.api.deps import hold_slot
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.public import GtinPath
from cloud.api.ui_support import render
from cloud.db import batches_store as store
from cloud.db.pool import Database

router = APIRouter(tags=["public"], dependencies=[access(sites=Sites.PUBLIC)])
SerialPath = Annotated[
    str, Path(pattern=r"^[!-~]{1,20}$", description="Serial (GS1 AI 21, character set 82)")
]


def _serial_batch(database: Database, gtin: str, serial: str) -> tuple[str, str] | None:
    with database.transaction() as conn, conn.cursor() as cur:
        return store.batch_of_serial(cur, gtin=gtin.zfill(14), serial=serial)


async def _resolve_serial(request: Request, gtin: str, serial: str, target: str) -> Response | None:
    """307 to `target` (gtin, lot, serial filled in; query kept) if the serial was commissioned."""
    async with hold_slot(request):
        found = await run_in_threadpool(_serial_batch, request.app.state.database, gtin, serial)
    if found is None:
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    path = target.format(gtin=found[0], lot=quote(found[1], safe=""), serial=quote(serial, safe=""))
    return RedirectResponse(path + query, status_code=307)


@router.get(
    "/01/{gtin}/21/{serial}",
    response_class=HTMLResponse,
    summary="Consumer page of a serialised unit (GS1 Digital Link)",
    responses={307: {"description": "To its code with the lot"}, 404: {"description": "Unknown"}},
)
async def serial_page(request: Request, gtin: GtinPath, serial: SerialPath) -> Response:
    """A serialised unit's QR code without a lot: to the same code with its lot (checks counted)."""
    redirect = await _resolve_serial(request, gtin, serial, "/01/{gtin}/10/{lot}/21/{serial}")
    if redirect is not None:
        return redirect
    return await run_in_threadpool(
        render,
        request,
        "consumer_missing.html",
        status_code=404,
        gtin=gtin,
        lot=None,
        code=f"(01){gtin}(21){serial}",
    )


@router.get(
    "/api/public/01/{gtin}/21/{serial}",
    summary="Public facts of a serialised unit's batch (JSON)",
    responses={307: {"description": "To its batch's facts"}, 404: {"model": ErrorBody}},
)
async def serial_json(request: Request, gtin: GtinPath, serial: SerialPath) -> Response:
    """A redirect to the batch's public facts."""
    redirect = await _resolve_serial(request, gtin, serial, "/api/public/01/{gtin}/10/{lot}")
    if redirect is None:
        raise ApiError(404, "not_found", f"no serialised unit {gtin}/{serial}")
    return redirect
