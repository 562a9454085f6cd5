"""Locations inside sites: farm plots, packing lines, cold rooms, warehouses, vehicles, shops."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.db import masterdata_store as store

router = APIRouter(
    prefix="/api/locations",
    tags=["locations"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

LocationKind = Literal["farm_plot", "packing_line", "cold_room", "warehouse", "vehicle", "shop"]


class Location(BaseModel):
    """A place inside a site where things happen."""

    site_id: str = Field(description="Site")
    code: str = Field(description="Location code, unique in its site")
    kind: str | None = Field(description="farm_plot, packing_line, cold_room, … (null: unknown)")
    name: str | None = Field(description="Name")
    gln: str | None = Field(description="GS1 GLN (13 digits)")
    gln_extension: str | None = Field(description="GLN extension")
    latitude: float | None = Field(description="Latitude, degrees")
    longitude: float | None = Field(description="Longitude, degrees")
    profile_id: str | None = Field(description="Cold-chain profile of the place itself")


@router.get("", response_model=Page[Location], summary="List locations")
def list_locations(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    site: Annotated[str | None, Query(max_length=64, description="Site")] = None,
    kind: Annotated[LocationKind | None, Query(description="Kind of place")] = None,
) -> Page[Location]:
    """Locations by site and kind; operators see their site's only."""
    rows, total = store.list_locations(
        cur, site=principal.scope(site), kind=kind, limit=paging.limit, offset=paging.offset
    )
    items = [Location.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
