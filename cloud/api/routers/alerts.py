"""Alerts: list and filter, acknowledge with a comment, clear."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader, SiteWriter
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.db import alerts_store
from cloud.notify.overview import overview, policy_defaults

router = APIRouter(
    prefix="/api/alerts",
    tags=["alerts"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

AlertState = Literal["active_unack", "active_ack", "cleared"]
AlertId = Annotated[int, Path(ge=1, le=2**62, description="Alert id")]


class Alert(BaseModel):
    """Something people see and act on: an excursion, a silent probe, an integrity signal."""

    id: int = Field(description="Alert id")
    kind: str = Field(description="What kind of condition (excursion, mkt, silent_probe, …)")
    severity: Literal["info", "warning", "critical"] = Field(description="Severity")
    state: AlertState = Field(description="active_unack → active_ack → cleared")
    site_id: str | None = Field(description="Site")
    location: str | None = Field(description="Location code")
    sensor: str | None = Field(description="Sensor, for sensor alerts")
    batch_ids: list[int] = Field(description="Batches affected")
    started_at: datetime = Field(description="When the condition began (event time)")
    ended_at: datetime | None = Field(description="When the condition ended, if it has")
    raised_at: datetime = Field(description="When the alert was raised")
    acknowledged_at: datetime | None = Field(description="When it was acknowledged")
    acknowledged_by: str | None = Field(description="Who acknowledged it")
    ack_comment: str | None = Field(description="Comment given on acknowledging")
    cleared_at: datetime | None = Field(description="When it was cleared")
    cleared_by: str | None = Field(description="Who cleared it (system: the condition ended)")
    clear_comment: str | None = Field(description="Comment given on clearing")
    details: dict[str, Any] = Field(description="Kind-specific details (peak, limits, …)")


class Action(BaseModel):
    """An operator's comment on acknowledging or clearing."""

    comment: str | None = Field(
        default=None, max_length=2000, pattern=r"^[^\x00]*$", description="Free text"
    )


def _visible(cur: Cursor, principal: Principal, alert_id: int) -> Alert:
    row = alerts_store.get_alert(cur, alert_id=alert_id)
    if row is None or not principal.sees(row["site_id"]):
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return Alert.model_validate(row)


@router.get("", response_model=Page[Alert], summary="List alerts")
def list_alerts(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    site: Annotated[str | None, Query(max_length=64, description="Site")] = None,
    state: Annotated[AlertState | None, Query(description="Exact state")] = None,
    active: Annotated[bool | None, Query(description="true: not cleared; false: cleared")] = None,
    kind: Annotated[str | None, Query(max_length=64, description="Kind")] = None,
    severity: Annotated[
        Literal["info", "warning", "critical"] | None, Query(description="Severity")
    ] = None,
    batch_id: Annotated[int | None, Query(ge=1, le=2**62, description="Naming batch")] = None,
    since: Annotated[datetime | None, Query(description="Started at or after")] = None,
) -> Page[Alert]:
    """Alerts, newest first; operators see their site's only."""
    rows, total = alerts_store.list_alerts(
        cur,
        site=principal.scope(site),
        state=state,
        active=active,
        kind=kind,
        severity=severity,
        batch_id=batch_id,
        since=since,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [Alert.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{alert_id}", response_model=Alert, summary="One alert", responses={404: {"model": ErrorBody}}
)
def get_alert(principal: SiteReader, cur: CursorDep, alert_id: AlertId) -> Alert:
    """The alert with its life so far."""
    return _visible(cur, principal, alert_id)


_ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    409: {"model": ErrorBody, "description": "The alert's state does not allow this"},
}


def _act(
    change: Callable[..., None],
    cur: Cursor,
    principal: Principal,
    alert_id: int,
    action: Action | None,
) -> Alert:
    """Apply an operator's change to a visible alert; a state that forbids it is a 409."""
    _visible(cur, principal, alert_id)
    try:
        change(cur, alert_id, actor=principal.username, comment=action.comment if action else None)
    except alerts_store.AlertStateError as err:
        raise ApiError(409, "conflict", str(err)) from err
    return _visible(cur, principal, alert_id)


@router.post(
    "/{alert_id}/acknowledge",
    response_model=Alert,
    summary="Acknowledge an alert",
    responses=_ACTION_ERRORS,
)
def acknowledge(
    principal: SiteWriter, cur: CursorDep, alert_id: AlertId, action: Action | None = None
) -> Alert:
    """Acknowledge an active, unacknowledged alert, with who and an optional comment."""
    return _act(alerts_store.acknowledge, cur, principal, alert_id, action)


@router.post(
    "/{alert_id}/clear", response_model=Alert, summary="Clear an alert", responses=_ACTION_ERRORS
)
def clear(
    principal: SiteWriter, cur: CursorDep, alert_id: AlertId, action: Action | None = None
) -> Alert:
    """Clear an alert that is not cleared yet, with who and an optional comment."""
    return _act(alerts_store.clear, cur, principal, alert_id, action)


class Delivery(BaseModel):
    """One thing a recipient was (or is to be) told about the alert."""

    reason: Literal["transition", "escalation", "reminder"] = Field(description="Why")
    step: int = Field(description="Escalation level or reminder number")
    to_state: AlertState | None = Field(description="The transition told of, if one")
    state: Literal["pending", "sent", "failed", "cancelled"] = Field(description="Delivery")
    attempts: int = Field(description="Sends tried")
    last_error: str | None = Field(description="Why the last try failed")
    created_at: datetime = Field(description="Queued at")
    due_at: datetime = Field(description="Due at (later in the recipient's quiet hours)")
    sent_at: datetime | None = Field(description="Sent at")
    name: str = Field(description="Recipient")
    channel: Literal["email", "telegram", "zalo"] = Field(description="Channel")
    address: str = Field(description="Address, masked")
    language: Literal["vi", "en"] = Field(description="Language of the message")
    level: int = Field(description="Recipient's escalation level")


class Recipient(BaseModel):
    """A person on one channel who hears of the site's alerts."""

    name: str = Field(description="Name")
    channel: Literal["email", "telegram", "zalo"] = Field(description="Channel")
    address: str = Field(description="Address, masked")
    language: Literal["vi", "en"] = Field(description="Language")
    level: int = Field(description="0: at once; n: after n escalation periods unacknowledged")
    kinds: list[str] | None = Field(description="Alert kinds (null: every kind)")
    quiet_start: str | None = Field(description="Quiet hours from (local time)")
    quiet_end: str | None = Field(description="Quiet hours until (local time)")
    time_zone: str = Field(description="Recipient's time zone")


class SitePlan(BaseModel):
    """A site's escalation policy and recipients."""

    site_id: str = Field(description="Site")
    escalate_after_s: int | None = Field(description="Escalate after (null: never)")
    remind_every_s: int | None = Field(description="Remind every (null: never)")
    max_reminders: int = Field(description="Reminders at most")
    group_window_s: int = Field(description="At most one message per recipient per window")
    configured: bool = Field(description="False: the installation's defaults apply")
    recipients: list[Recipient] = Field(description="Active recipients")


class Notifications(BaseModel):
    """Who the alert reached, how, and who it will reach."""

    deliveries: list[Delivery] = Field(description="Oldest first")
    sites: list[SitePlan] = Field(description="The sites whose recipients the alert concerns")


def notifications_of(cur: Cursor, alert_id: int) -> Notifications:
    """The alert's notifications as the API and the page show them."""
    found = overview(cur, alert_id, policy_defaults())
    sites = []
    for plan in found.sites:
        people = [
            Recipient.model_validate(
                {
                    **r,
                    "quiet_start": r["quiet_start"].strftime("%H:%M") if r["quiet_start"] else None,
                    "quiet_end": r["quiet_end"].strftime("%H:%M") if r["quiet_end"] else None,
                }
            )
            for r in plan.recipients
        ]
        sites.append(SitePlan(site_id=plan.site_id, recipients=people, **plan.policy))
    return Notifications(
        deliveries=[Delivery.model_validate(d) for d in found.deliveries], sites=sites
    )


@router.get(
    "/{alert_id}/notifications",
    response_model=Notifications,
    summary="Who the alert reached",
    responses={404: {"model": ErrorBody}},
)
def alert_notifications(principal: SiteReader, cur: CursorDep, alert_id: AlertId) -> Notifications:
    """Deliveries to people (e-mail, Telegram, Zalo), escalation policy and recipients."""
    _visible(cur, principal, alert_id)
    return notifications_of(cur, alert_id)
