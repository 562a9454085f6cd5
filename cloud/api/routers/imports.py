"""CSV import of products and batches through the API (the same rows and upsert as the CLI)."""

import csv
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cloud.api.access import AdminOnly, SiteWriter
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.masterdata.csv_import import CsvImportError, ParsedFile, read_rows
from cloud.masterdata.importers import IMPORTERS
from cloud.masterdata.site_scope import ForeignRows, check_rows

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


def _parse(kind: str, body: bytes) -> ParsedFile[Any]:
    if b"\x00" in body:
        raise ApiError(422, "invalid_csv", "the file contains a NUL byte: not a CSV text file")
    with tempfile.TemporaryDirectory(prefix="txng-import-") as folder:
        path = Path(folder) / f"{kind}.csv"
        path.write_bytes(body)
        return read_rows(path, IMPORTERS[kind].model)


def _problems(err: CsvImportError) -> ApiError:
    details = [{"line": p.line, "field": p.field, "reason": p.message} for p in err.problems]
    return ApiError(422, "invalid_csv", f"{len(details)} problem(s) in the file", details)


def _import(cur: Any, kind: str, body: bytes, site: str | None) -> ImportResult:
    try:
        parsed = _parse(kind, body)
        if site is not None:
            check_rows(cur, parsed, site)
        return ImportResult(kind=kind, rows=IMPORTERS[kind].apply(cur, parsed))
    except CsvImportError as err:
        raise _problems(err) from err
    except ForeignRows as err:
        details = [{"line": p.line, "field": p.field, "reason": p.message} for p in err.problems]
        raise ApiError(
            403, "forbidden", f"{len(details)} row(s) not yours to write", details
        ) from err
    except (UnicodeDecodeError, csv.Error) as err:
        raise ApiError(422, "invalid_csv", f"not a UTF-8 CSV file: {err}") from err


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
