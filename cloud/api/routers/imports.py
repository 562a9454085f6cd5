"""CSV import of products and batches through the API (cloud.masterdata.service, as the CLI)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field

from cloud.api.access import AdminOnly, SiteWriter
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.masterdata.csv_import import CsvImportError
from cloud.masterdata.service import NotCsvText, import_upload
from cloud.masterdata.site_scope import ForeignRows

router = APIRouter(
    prefix="/api/imports",
    tags=["imports"],
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        408: {"model": ErrorBody, "description": "The file arrived too slowly"},
        413: {"model": ErrorBody, "description": "The file is larger than 20 MiB"},
        422: {"model": ErrorBody, "description": "Bad rows, each named by line and field"},
    },
)


async def csv_body(request: Request) -> bytes:
    """The request body: a CSV file with a header row (UTF-8), bounded by body_limits."""
    return await request.body()


CsvBody = Annotated[bytes, Depends(csv_body)]

_CSV_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        "description": "CSV with a header row; columns as in examples/master_data/",
    }
}


class ImportResult(BaseModel):
    """How many rows were written (all of them, in one transaction)."""

    kind: str = Field(description="products or batches")
    rows: int = Field(description="Rows inserted or updated")


def _problems(err: CsvImportError | ForeignRows) -> list[dict[str, Any]]:
    return [{"line": p.line, "field": p.field, "reason": p.message} for p in err.problems]


def _import(cur: Cursor, kind: str, body: bytes, site: str | None) -> ImportResult:
    try:
        return ImportResult(kind=kind, rows=import_upload(cur, kind, body, site=site))
    except CsvImportError as err:
        details = _problems(err)
        message = f"{len(details)} problem(s) in the file"
        raise ApiError(422, "invalid_csv", message, details) from err
    except ForeignRows as err:
        details = _problems(err)
        raise ApiError(
            403, "forbidden", f"{len(details)} row(s) not yours to write", details
        ) from err
    except NotCsvText as err:
        raise ApiError(422, "invalid_csv", str(err)) from err


@router.post(
    "/products", response_model=ImportResult, summary="Import products", openapi_extra=_CSV_REQUEST
)
def import_products(principal: AdminOnly, cur: CursorDep, body: CsvBody) -> ImportResult:
    """Upsert products from CSV (admins only: products are shared by every site)."""
    return _import(cur, "products", body, None)


@router.post(
    "/batches", response_model=ImportResult, summary="Import batches", openapi_extra=_CSV_REQUEST
)
def import_batches(principal: SiteWriter, cur: CursorDep, body: CsvBody) -> ImportResult:
    """Upsert batches from CSV; an operator's rows name their own site and its batches only."""
    return _import(cur, "batches", body, principal.site)
