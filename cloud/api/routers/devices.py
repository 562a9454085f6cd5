"""Edge devices: status, last seen, outbox depth, reader health; approve, reject, rotate secret."""

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
from cloud.broker.acl import device_username
from cloud.broker.files import BrokerFileError, set_password_entry
from cloud.broker.passwords import hash_password, new_password
from cloud.db import api_operations as store
from cloud.db import auth_store

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


def _set_approval(
    principal: Principal, cur: Cursor, online_s: float, site: str, device: str, approval: str
) -> Device:
    _visible(cur, principal, site, device, online_s)
    store.set_approval(cur, site=site, device=device, approval=approval)
    return _visible(cur, principal, site, device, online_s)


@router.post(
    "/{site}/{device}/approve",
    response_model=Device,
    summary="Approve a device",
    responses={404: {"model": ErrorBody}},
)
def approve(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Device:
    """Let the device's data in (new devices wait as pending)."""
    return _set_approval(principal, cur, settings.api_online_after_s, site, device, "approved")


@router.post(
    "/{site}/{device}/reject",
    response_model=Device,
    summary="Reject a device",
    responses={404: {"model": ErrorBody}},
)
def reject(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Device:
    """Refuse the device's data from now on (its messages become dead letters)."""
    return _set_approval(principal, cur, settings.api_online_after_s, site, device, "rejected")


class Credentials(BaseModel):
    """A device's new MQTT secret: shown once, never stored in clear."""

    site_id: str = Field(description="Site")
    device_id: str = Field(description="Device id")
    mqtt_username: str = Field(description="Broker user name: {site}/{device}")
    secret: str = Field(description="The new secret; put it into the device's config now")
    password_file_line: str = Field(
        description="The line for Mosquitto's password file (PBKDF2-SHA512, as mosquitto_passwd)"
    )
    rotated_at: datetime = Field(description="When it was set")
    password_file_updated: bool = Field(
        description="The API wrote the line into TXNG_MOSQUITTO_PASSWORD_FILE (reload the broker)"
    )


@router.post(
    "/{site}/{device}/rotate-credentials",
    response_model=Credentials,
    summary="Rotate a device's secret",
    responses={404: {"model": ErrorBody}},
)
def rotate_credentials(
    principal: SiteWriter, cur: CursorDep, settings: SettingsDep, site: SitePath, device: DevicePath
) -> Credentials:
    """Make a new random secret; only its hash is kept (in the broker's own `$7$` format).

    When TXNG_MOSQUITTO_PASSWORD_FILE is set the API replaces the device's line there (the
    broker then needs a SIGHUP); otherwise the deployment copies `password_file_line` in.
    """
    _visible(cur, principal, site, device, settings.api_online_after_s)
    try:
        username = device_username(site, device)
    except ValueError as err:
        raise ApiError(409, "conflict", str(err)) from err
    secret = new_password()
    hashed = hash_password(secret)
    rotated = auth_store.set_device_secret(
        cur, site_id=site, device_id=device, secret_hash=hashed, actor=principal.username
    )
    written = False
    if settings.mosquitto_password_file is not None:
        try:
            set_password_entry(settings.mosquitto_password_file, username, hashed)
        except BrokerFileError as err:
            raise ApiError(503, "unavailable", str(err)) from err
        written = True
    return Credentials(
        site_id=site,
        device_id=device,
        mqtt_username=username,
        secret=secret,
        password_file_line=f"{username}:{hashed}",
        rotated_at=rotated,
        password_file_updated=written,
    )
