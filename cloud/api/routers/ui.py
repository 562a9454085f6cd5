"""The operators' web UI: dashboard, batches with timeline and chart, alert inbox, devices."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from cloud.api.access import SitePage
from cloud.api.completeness import assess
from cloud.api.deps import CursorDep, SettingsDep
from cloud.api.routers.alerts import Alert, notifications_of
from cloud.api.routers.batches import Batch
from cloud.api.routers.devices import device_from_row
from cloud.api.routers.quarantine import HeldDevice
from cloud.api.routers.signals import list_signals
from cloud.api.ui_support import render
from cloud.db import (
    alerts_history,
    alerts_store,
    batches_store,
    devices_store,
    events_store,
    quarantine_store,
)

router = APIRouter(tags=["web UI"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse, response_model=None)
def dashboard(
    request: Request, principal: SitePage, cur: CursorDep, settings: SettingsDep
) -> Response:
    """Devices online, active alerts, recent scans."""
    site = principal.scope()
    alerts, open_total = alerts_store.list_alerts(
        cur,
        site=site,
        state=None,
        active=True,
        kind=None,
        severity=None,
        batch_id=None,
        since=None,
        limit=8,
        offset=0,
    )
    return render(
        request,
        "dashboard.html",
        user=principal,
        devices=devices_store.device_counts(cur, site=site, online_s=settings.api_online_after_s),
        alerts=[Alert.model_validate(a) for a in alerts],
        open_total=open_total,
        scans=events_store.recent_scans(cur, site=site, limit=12),
    )


@router.get("/ui/batches", response_class=HTMLResponse, response_model=None)
def batches(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    q: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Batch search by lot or GTIN."""
    term = (q or "").strip()
    gtin = term.zfill(14) if term.isdigit() and len(term) in (8, 12, 13, 14) else None
    rows, total = batches_store.list_batches(
        cur,
        site=principal.scope(),
        gtin=gtin,
        lot=None if gtin or not term else term,
        made_from=None,
        made_to=None,
        status=None,
        limit=100,
        offset=0,
    )
    items = [Batch.model_validate(r) for r in rows]
    return render(request, "batches.html", user=principal, batches=items, total=total, q=term)


@router.get("/ui/alerts", response_class=HTMLResponse, response_model=None)
def alert_inbox(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    show: Annotated[str, Query(pattern="^(open|all)$")] = "open",
) -> Response:
    """Open alerts (or all), newest first, with acknowledge and clear."""
    rows, total = alerts_store.list_alerts(
        cur,
        site=principal.scope(),
        state=None,
        active=True if show == "open" else None,
        kind=None,
        severity=None,
        batch_id=None,
        since=None,
        limit=200,
        offset=0,
    )
    alerts = [Alert.model_validate(r) for r in rows]
    return render(request, "alerts.html", user=principal, alerts=alerts, total=total, show=show)


@router.get("/ui/alerts/{alert_id}", response_class=HTMLResponse, response_model=None)
def alert_page(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    alert_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    """One alert: its life, who it reached and how it escalates; acknowledge and clear."""
    row = alerts_store.get_alert(cur, alert_id=alert_id)
    if row is None or not principal.sees(row["site_id"]):
        return render(request, "not_found.html", status_code=404, user=principal)
    return render(
        request,
        "alert.html",
        user=principal,
        a=Alert.model_validate(row),
        transitions=alerts_history.transitions_of(cur, alert_id),
        notifications=notifications_of(cur, alert_id),
    )


@router.get("/ui/devices", response_class=HTMLResponse, response_model=None)
def device_list(
    request: Request, principal: SitePage, cur: CursorDep, settings: SettingsDep
) -> Response:
    """Devices with status, outbox and reader health; approve pending ones; their held data."""
    rows, total = devices_store.list_devices(
        cur,
        site=principal.scope(),
        approval=None,
        online=None,
        online_s=settings.api_online_after_s,
        limit=500,
        offset=0,
    )
    devices = [device_from_row(r) for r in rows]
    held = [
        HeldDevice.model_validate(r) for r in quarantine_store.summary(cur, site=principal.scope())
    ]
    return render(request, "devices.html", user=principal, devices=devices, total=total, held=held)


@router.get("/ui/completeness", response_class=HTMLResponse, response_model=None)
def completeness(request: Request, principal: SitePage, cur: CursorDep) -> Response:
    """Inspector view: completeness per site and product against Circular 02/2024."""
    rows = batches_store.completeness(cur, site=principal.scope(), gtin=None)
    assessed = [(row, assess(row)) for row in rows]
    return render(request, "completeness.html", user=principal, assessed=assessed)


@router.get("/ui/signals", response_class=HTMLResponse, response_model=None)
def counterfeit_signals(request: Request, principal: SitePage, cur: CursorDep) -> Response:
    """Inspector view: public checks per product and site, and the codes with a signal."""
    found = list_signals(request, principal, cur)
    return render(request, "signals.html", user=principal, found=found)
