"""The inspector's view: per site and product, completeness against Circular 02/2024."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.completeness import assess
from cloud.api.deps import CursorDep
from cloud.api.errors import ErrorBody
from cloud.db import batches_store as store

router = APIRouter(
    prefix="/api/completeness",
    tags=["inspection"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


class Element(BaseModel):
    """One minimum data element of Circular 02/2024."""

    code: str = Field(description="Stable code of the element")
    label: str = Field(description="What the Circular asks for")
    present: bool = Field(description="The data is there")
    detail: str | None = Field(description="What is missing, or a note")


class Completeness(BaseModel):
    """How complete the traceability data of one product at one site is."""

    site_id: str = Field(description="Site")
    gtin: str = Field(description="GTIN, 14 digits")
    product_name: str | None = Field(description="Product name (null: not in master data)")
    batches: int = Field(description="Batches of the product made at the site")
    events: int = Field(description="Scan events of the product at the site")
    score: float = Field(description="Share of elements present, 0-1")
    elements: list[Element] = Field(description="Every element, in the Circular's order")
    gaps: list[str] = Field(description="Codes of the elements missing")


@router.get("", response_model=list[Completeness], summary="Completeness per site and product")
def completeness(
    principal: SiteReader,
    cur: CursorDep,
    site: Annotated[str | None, Query(max_length=64, description="Only this site")] = None,
    gtin: Annotated[
        str | None, Query(pattern=r"^\d{8}$|^\d{12,14}$", description="Only this GTIN")
    ] = None,
) -> list[Completeness]:
    """Every (site, product) with batches or events, the elements present and the gaps."""
    rows = store.completeness(
        cur, site=principal.scope(site), gtin=gtin.zfill(14) if gtin else None
    )
    result = []
    for row in rows:
        checks = assess(row)
        elements = [Element(**c.__dict__) for c in checks]
        result.append(
            Completeness(
                site_id=row["site_id"],
                gtin=row["gtin"],
                product_name=row["product_name"],
                batches=row["batches"],
                events=row["events"],
                score=round(sum(c.present for c in checks) / len(checks), 3),
                elements=elements,
                gaps=[c.code for c in checks if not c.present],
            )
        )
    return result
