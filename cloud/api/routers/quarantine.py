"""Quarantine: what devices pending approval sent, held apart until an operator decides."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.db import quarantine_store as store

router = APIRouter(
    prefix="/api/quarantine",
    tags=["devices"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

SitePath = Annotated[str, Path(max_length=64, description="Site id")]
DevicePath = Annotated[str, Path(max_length=64, description="Device id")]


class HeldDevice(BaseModel):
    """One device's data in quarantine: held until approval, or kept as evidence."""

    site_id: str = Field(description="Site")
    device_id: str = Field(description="Device id")
    approval: Literal["pending", "approved", "rejected"] | None = Field(
        description="The device's approval now"
    )
    scans: int = Field(description="Scans held until the device is approved")
    readings: int = Field(description="Readings held until the device is approved")
    evidence: int = Field(description="Items of a rejected device, kept only as evidence")
    first_time: datetime = Field(description="Device time of the oldest item")
    last_time: datetime = Field(description="Device time of the newest item")
    last_received: datetime = Field(description="When the newest item arrived")


class HeldItem(BaseModel):
    """One held scan or reading (the fields of its kind are set, the others null)."""

    time: datetime = Field(description="Device time")
    id: UUID = Field(description="Item id")
    location: str = Field(description="Location code the device named")
    received_at: datetime = Field(description="When the ingester received it")
    rejected_at: datetime | None = Field(description="Kept as evidence since (device rejected)")
    reader: str | None = Field(default=None, description="Scan: reader")
    biz_step: str | None = Field(default=None, description="Scan: business step")
    raw: str | None = Field(default=None, description="Scan: the code as read")
    gtin: str | None = Field(default=None, description="Scan: GTIN")
    lot: str | None = Field(default=None, description="Scan: lot")
    serial: str | None = Field(default=None, description="Scan: serial")
    sscc: str | None = Field(default=None, description="Scan: SSCC")
    sensor: str | None = Field(default=None, description="Reading: sensor")
    quantity: str | None = Field(default=None, description="Reading: quantity")
    value: float | None = Field(default=None, description="Reading: value")
    unit: str | None = Field(default=None, description="Reading: unit")
    quality: str | None = Field(default=None, description="Reading: quality")


@router.get("", response_model=list[HeldDevice], summary="Devices with data in quarantine")
def list_held(
    principal: SiteReader,
    cur: CursorDep,
    site: Annotated[str | None, Query(max_length=64, description="Site")] = None,
) -> list[HeldDevice]:
    """Per device: what it sent while pending; operators see their site's devices only."""
    rows = store.summary(cur, site=principal.scope(site))
    return [HeldDevice.model_validate(row) for row in rows]


@router.get(
    "/{site}/{device}",
    response_model=Page[HeldItem],
    summary="One device's held items",
    responses={404: {"model": ErrorBody}},
)
def held_items(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    site: SitePath,
    device: DevicePath,
    kind: Annotated[Literal["scan", "reading"], Query(description="scan or reading")] = "scan",
) -> Page[HeldItem]:
    """The device's held scans or readings, newest first (evidence of a rejected one too)."""
    if not principal.sees(site) or not store.device_known(cur, site=site, device=device):
        raise ApiError(404, "not_found", f"no device {site}/{device}")
    rows, total = store.held_items(
        cur, kind=kind, site=site, device=device, limit=paging.limit, offset=paging.offset
    )
    items = [HeldItem.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
