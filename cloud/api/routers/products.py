"""Products (GTINs) with what the national portal needs of them."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.db import masterdata_store as store

router = APIRouter(
    prefix="/api/products",
    tags=["products"],
    responses={401: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

GtinPath = Annotated[str, Path(pattern=r"^\d{8}$|^\d{12,14}$", description="GTIN-8/12/13/14")]


class Product(BaseModel):
    """A trade item identified by its GTIN."""

    gtin: str = Field(description="GTIN, 14 digits")
    name: str = Field(description="Product name")
    product_group: str | None = Field(description="Product group id")
    ocop_stars: int | None = Field(description="OCOP rating, 1-5 stars")
    producer_name: str | None = Field(description="Producer (enterprise or cooperative) name")
    producer_address: str | None = Field(description="Producer address")
    producer_gln: str | None = Field(description="Producer GLN (13 digits)")
    image_url: str | None = Field(description="Product image URL")
    net_content: str | None = Field(description="Net weight or volume with unit")
    standards: str | None = Field(description="Standards applied (VietGAP, TCVN, …)")
    shelf_life_days: int | None = Field(description="Shelf life in days")
    profile_id: str | None = Field(description="Cold-chain profile (own or of its group)")
    serialised: bool = Field(description="Items carry serial numbers (SGTIN)")
    updated_at: datetime = Field(description="Last change of the master data")


@router.get("", response_model=Page[Product], summary="List products")
def list_products(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=100, description="Name or GTIN contains")] = None,
    group: Annotated[str | None, Query(max_length=64, description="Product group id")] = None,
) -> Page[Product]:
    """Products by name/GTIN and group; operators see those their site has batches of."""
    rows, total = store.list_products(
        cur, site=principal.scope(), q=q, group=group, limit=paging.limit, offset=paging.offset
    )
    items = [Product.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{gtin}",
    response_model=Product,
    summary="One product",
    responses={404: {"model": ErrorBody}},
)
def get_product(principal: SiteReader, cur: CursorDep, gtin: GtinPath) -> Product:
    """The product with this GTIN (a shorter GTIN is padded to 14 digits)."""
    row = store.get_product(cur, gtin=gtin.zfill(14), site=principal.scope())
    if row is None:
        raise ApiError(404, "not_found", f"no product {gtin}")
    return Product.model_validate(row)
