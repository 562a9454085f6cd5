"""Edge devices: status, last seen, outbox depth, reader health; approve, reject, rotate secret."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader, SiteWriter
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep, SettingsDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.broker.accounts import accounts_from
from cloud.broker.errors import BrokerAdminError
from cloud.db import devices_store as store
from cloud.devices import provisioning
from cloud.devices.errors import InvalidDeviceName, UnknownDevice
from cloud.settings.api import ApiSettings

router = APIRouter(
    prefix="/api/devices",
    tags=["devices"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

Approval = Literal["pending", "approved", "rejected"]
SitePath = Annotated[str, Path(max_length=64, description="Site id")]
DevicePath = Annotated[str, Path(max_length=64, description="Device id")]


class ReaderHealth(BaseModel):
    """One reader of the device, as its agent last reported it."""

    state: str = Field(description="running, restarting, failed or stopped")
    restarts: int = Field(default=0, description="Restarts by the supervisor")
    errors: int = Field(default=0, description="Errors counted")
    last_error: str | None = Field(default=None, description="Last error message")


class Device(BaseModel):
    """One edge agent with its approval and its last heartbeat."""

    site_id: str = Field(description="Site")
    device_id: str = Field(description="Device id")
    approval: Approval = Field(description="pending (new), approved or rejected")
    online: bool = Field(description="Seen recently and not announced offline")
    first_seen: datetime = Field(description="First message")
    last_seen: datetime | None = Field(description="Newest message received")
    last_status_at: datetime | None = Field(description="Device time of the newest heartbeat")
    state: str | None = Field(description="online or offline, from the heartbeat")
    version: str | None = Field(description="Agent version")
    uptime_s: float | None = Field(description="Agent uptime, seconds")
    outbox_depth: int | None = Field(description="Items waiting in the device's outbox")
    outbox_capacity: int | None = Field(description="Outbox capacity")
    outbox_drops: int | None = Field(description="Items the outbox had to drop")
    outbox_alarm: bool | None = Field(description="Outbox filling up, or refusing items")
    outbox_bytes: int | None = Field(description="Bytes of the items in the device's outbox")
    outbox_unconfirmed: int | None = Field(
        description="Items sent and awaiting the ingester's receipt"
    )
    outbox_refused: int | None = Field(
        description="Items the device refused because its disk reached the free-space floor"
    )
    readers: dict[str, ReaderHealth] = Field(description="Health of each reader, by name")
    credentials_rotated_at: datetime | None = Field(description="When its secret was last set")


def device_from_row(row: dict[str, Any]) -> Device:
    """A device row with its last heartbeat unpacked."""
    status = row.pop("last_status") or {}
    return Device(
        **row,
        state=status.get("state"),
        version=status.get("version"),
        uptime_s=status.get("uptime_s"),
        outbox_depth=status.get("outbox_depth"),
        outbox_capacity=status.get("outbox_capacity"),
        outbox_drops=status.get("outbox_drops"),
        outbox_alarm=status.get("outbox_alarm"),
        outbox_bytes=status.get("outbox_bytes"),
        outbox_unconfirmed=status.get("outbox_unconfirmed"),
        outbox_refused=status.get("outbox_refused"),
        readers={k: ReaderHealth.model_validate(v) for k, v in status.get("readers", {}).items()},
    )


def _visible(cur: Cursor, principal: Principal, site: str, device: str, online_s: float) -> Device:
    row = store.get_device(cur, site=site, device=device, online_s=online_s)
    if row is None or not principal.sees(site):
        raise ApiError(404, "not_found", f"no device {site}/{device}")
    return device_from_row(row)


@router.get("", response_model=Page[Device], summary="List devices")
def list_devices(
    principal: SiteReader,
    cur: CursorDep,
    settings: SettingsDep,
    paging: PagingDep,
    site: Annotated[str | None, Query(max_length=64, description="Site")] = None,
    approval: Annotated[Approval | None, Query(description="Approval")] = None,
    online: Annotated[bool | None, Query(description="Online or not")] = None,
) -> Page[Device]:
    """Devices by site, approval and whether they are online; operators see their site's."""
    rows, total = store.list_devices(
        cur,
        site=principal.scope(site),
        approval=approval,
        online=online,
        online_s=settings.api_online_after_s,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [device_from_row(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{site}/{device}",
    response_model=Device,
    summary="One device",
    responses={404: {"model": ErrorBody}},
)
def get_device(
    principal: SiteReader,
    cur: CursorDep,
    settings: SettingsDep,
    site: SitePath,
    device: DevicePath,
) -> Device:
    """The device with its last heartbeat."""
    return _visible(cur, principal, site, device, settings.api_online_after_s)


@contextmanager
def _provisioning_errors(site: str, device: str) -> Iterator[None]:
    """The service's errors as HTTP answers."""
    try:
        yield
    except UnknownDevice as err:
        raise ApiError(404, "not_found", f"no device {site}/{device}") from err
    except InvalidDeviceName as err:
        raise ApiError(409, "conflict", str(err)) from err
    except BrokerAdminError as err:
        raise ApiError(503, "unavailable", f"broker: {err}") from err


def _set_approval(
    principal: Principal,
    cur: Cursor,
    settings: ApiSettings,
    site: str,
    device: str,
    approval: provisioning.Approval,
) -> Device:
    _visible(cur, principal, site, device, settings.api_online_after_s)
    with _provisioning_errors(site, device):
        provisioning.set_approval(
            cur, accounts_from(settings), site=site, device=device, approval=approval
        )
    return _visible(cur, principal, site, device, settings.api_online_after_s)


@router.post(
    "/{site}/{device}/approve",
    response_model=Device,
    summary="Approve a device",
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def approve(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Device:
    """Let the device's data in (new devices wait as pending)."""
    return _set_approval(principal, cur, settings, site, device, "approved")


@router.post(
    "/{site}/{device}/reject",
    response_model=Device,
    summary="Reject a device",
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def reject(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Device:
    """Refuse the device's data from now on (dead letters); its broker account is disabled."""
    return _set_approval(principal, cur, settings, site, device, "rejected")


class Credentials(BaseModel):
    """A device's new MQTT secret: shown once, never stored in clear."""

    site_id: str = Field(description="Site")
    device_id: str = Field(description="Device id")
    mqtt_username: str = Field(description="Broker user name (and client id): {site}/{device}")
    secret: str = Field(description="The new secret; put it into the device's config now")
    rotated_at: datetime = Field(description="When it was set")
    broker_updated: bool = Field(
        description="The broker has the new secret now and refuses the old one (false: no "
        "broker admin account configured, TXNG_BROKER_ADMIN_URL)"
    )


@router.post(
    "/{site}/{device}/rotate-credentials",
    response_model=Credentials,
    summary="Rotate a device's secret",
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def rotate_credentials(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Credentials:
    """Make a new random secret; the broker takes it at once (and disconnects the device)."""
    _visible(cur, principal, site, device, settings.api_online_after_s)
    with _provisioning_errors(site, device):
        issued = provisioning.rotate_credentials(
            cur, accounts_from(settings), site=site, device=device, actor=principal.username
        )
    return Credentials(
        site_id=issued.site,
        device_id=issued.device,
        mqtt_username=issued.username,
        secret=issued.secret,
        rotated_at=issued.rotated_at,
        broker_updated=issued.broker_updated,
    )
