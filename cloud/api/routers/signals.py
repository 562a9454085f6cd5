"""Counterfeit signals per product and site, from the public checks of serialised codes."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ErrorBody
from cloud.api.routers.public_checks import public_checks
from cloud.db import public_checks as store
from cloud.labels.provinces import PROVINCES
from cloud.labels.signals import Signal, signals

router = APIRouter(
    prefix="/api/signals",
    tags=["inspection"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
MAX_CODES = 500


class ProductChecks(BaseModel):
    """Public checks of one product's serialised codes at one site."""

    site_id: str | None = Field(description="Site that made the batches")
    gtin: str = Field(description="GTIN, 14 digits")
    product_name: str | None = Field(description="Product name")
    codes: int = Field(description="Codes checked at least once")
    checks: int = Field(description="Checks in all")
    not_commissioned: int = Field(description="Codes checked that the producer never issued")
    first_at: datetime = Field(description="First check")
    last_at: datetime = Field(description="Last check")
    flagged: int = Field(description="Codes below with a signal")


class CodeSignals(BaseModel):
    """A code with at least one counterfeit signal."""

    gtin: str = Field(description="GTIN")
    lot: str = Field(description="Lot of the URL checked")
    serial: str = Field(description="Serial")
    batch_id: int = Field(description="Batch of the URL checked")
    site_id: str | None = Field(description="Site")
    checks: int = Field(description="Checks in all")
    first_at: datetime = Field(description="First check")
    last_at: datetime = Field(description="Last check")
    window_checks: int = Field(description="Checks in the current window")
    provinces: list[str] = Field(description="Provinces shared within the window (names)")
    signals: list[Signal] = Field(description="not_commissioned, checked_often, far_apart")


class Signals(BaseModel):
    """Per product and site, and the codes to look at, newest first."""

    products: list[ProductChecks] = Field(description="Per site and product")
    codes: list[CodeSignals] = Field(description=f"Codes with a signal (at most {MAX_CODES})")


def _code(row: dict[str, Any], request: Request, now: datetime) -> CodeSignals | None:
    checks = public_checks(request)
    found = signals(
        commissioned=row["commissioned"], window_start=row["window_start"],
        window_checks=row["window_checks"], provinces=row["provinces"], limits=checks.limits,
        now=now,
    )
    if not found:
        return None
    names = [PROVINCES[p].name if p in PROVINCES else p for p in row["provinces"]]
    return CodeSignals(**{**row, "provinces": names, "signals": found})


@router.get("", response_model=Signals, summary="Counterfeit signals per product and site")
def list_signals(
    request: Request,
    principal: SiteReader,
    cur: CursorDep,
    site: Annotated[str | None, Query(max_length=64, description="Only this site")] = None,
    gtin: Annotated[
        str | None, Query(pattern=r"^\d{8}$|^\d{12,14}$", description="Only this GTIN")
    ] = None,
) -> Signals:
    """Checks per product and site; codes never issued, checked often or from far apart."""
    scope, product = principal.scope(site), gtin.zfill(14) if gtin else None
    limits = public_checks(request)
    rows = store.checked_codes(
        cur, site=scope, gtin=product, window_s=limits.window_s, often=limits.limits.often,
        limit=MAX_CODES,
    )
    now = datetime.now(UTC)
    codes = [c for c in (_code(r, request, now) for r in rows) if c is not None]
    flagged: dict[tuple[str | None, str], int] = {}
    for code in codes:
        flagged[(code.site_id, code.gtin)] = flagged.get((code.site_id, code.gtin), 0) + 1
    products = [
        ProductChecks(**r, flagged=flagged.get((r["site_id"], r["gtin"]), 0))
        for r in store.product_summary(cur, site=scope, gtin=product)
    ]
    return Signals(products=products, codes=codes)
