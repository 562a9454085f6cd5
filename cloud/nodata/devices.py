"""Raise and end the alerts about edge agents: offline (nothing received), outbox growing.

An agent is offline when nothing (data or heartbeat) arrived for `offline_after_s`; the alert
ends with the next message. The retained last will is not used: its device time is that of
the connection, older than the last heartbeat, so it does not replace the agent's status.
Keys name the device and the time the condition began, so every process raises the same one.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.evaluate import stamp
from cloud.db.alerts_store import AlertSpec, end_condition, raise_alert
from cloud.db.device_health_store import (
    last_seen,
    open_device_alerts,
    outbox_samples,
    quiet_devices,
)
from cloud.db.locks import try_lock
from cloud.nodata.outbox import OutboxRule, drained, growing
from cloud.settings.ingest import IngestSettings

log = logging.getLogger(__name__)

DEVICE_OFFLINE = "device_offline"
OUTBOX_GROWING = "outbox_growing"


@dataclass(frozen=True)
class DeviceChecks:
    """Thresholds of the agents' no-data alarms (None: that check is off)."""

    offline_after_s: float | None = 300.0
    outbox: OutboxRule | None = field(default_factory=OutboxRule)


def device_checks(settings: IngestSettings) -> DeviceChecks:
    """The agents' no-data alarms as the ingester's settings (TXNG_NODATA_*) set them."""
    rule = OutboxRule(
        window_s=settings.nodata_outbox_window_s,
        min_depth=settings.nodata_outbox_min_depth,
        min_growth=settings.nodata_outbox_min_growth,
    )
    return DeviceChecks(
        offline_after_s=settings.nodata_offline_after_s,
        outbox=rule if settings.nodata_outbox else None,
    )


def sweep_devices(cur: Cursor, *, now: datetime, checks: DeviceChecks) -> int:
    """Raise and end the agents' alerts as of `now`; return how many were raised."""
    if not try_lock(cur, "nodata:device-sweep"):
        return 0  # another process sweeps right now; it reaches the same alerts
    raised = 0
    if checks.offline_after_s is not None:
        raised += _offline(cur, now, checks.offline_after_s)
    if checks.outbox is not None:
        raised += _outboxes(cur, now, checks.outbox)
    return raised


def _offline(cur: Cursor, now: datetime, after_s: float) -> int:
    for alert in open_device_alerts(cur, DEVICE_OFFLINE):
        seen = last_seen(cur, alert.site_id, alert.device_id)
        since = str(alert.details.get("last_seen", ""))
        if seen is not None and stamp(seen) != since:
            end_condition(cur, alert.key, seen)
    raised = 0
    for device in quiet_devices(cur, now=now, after_s=after_s):
        spec = AlertSpec(
            key=f"{DEVICE_OFFLINE}:{device.site_id}:{device.device_id}:{stamp(device.last_seen)}",
            kind=DEVICE_OFFLINE,
            severity="warning",
            started_at=device.last_seen,
            site_id=device.site_id,
            details={
                "device_id": device.device_id,
                "last_seen": stamp(device.last_seen),
                "offline_after_s": after_s,
            },
        )
        if raise_alert(cur, spec) is not None:
            raised += 1
            log.info("edge agent offline", extra={"key": spec.key})
    return raised


def _outboxes(cur: Cursor, now: datetime, rule: OutboxRule) -> int:
    samples = outbox_samples(cur, now=now, window_s=rule.window_s)
    open_alerts = {(a.site_id, a.device_id): a for a in open_device_alerts(cur, OUTBOX_GROWING)}
    for device, alert in open_alerts.items():
        depth = alert.details.get("outbox_depth")
        after = datetime.fromisoformat(str(alert.details.get("last_heartbeat")))
        later = [s for s in samples.get(device, []) if s.received_at > after]
        below = drained(later, depth if isinstance(depth, int) else 0)
        if below is not None:
            end_condition(cur, alert.key, below.received_at)
    raised = 0
    for (site_id, device_id), heartbeats in samples.items():
        if (site_id, device_id) in open_alerts or not growing(heartbeats, rule):
            continue
        first, last = heartbeats[0], heartbeats[-1]
        spec = AlertSpec(
            key=f"{OUTBOX_GROWING}:{site_id}:{device_id}:{stamp(first.received_at)}",
            kind=OUTBOX_GROWING,
            severity="warning",
            started_at=first.received_at,
            site_id=site_id,
            details={
                "device_id": device_id,
                "outbox_depth": last.depth,
                "outbox_capacity": last.capacity,
                "outbox_drops": last.drops,
                "outbox_alarm": last.alarm,
                "depth_at_start": first.depth,
                "last_heartbeat": stamp(last.received_at),
            },
        )
        if raise_alert(cur, spec) is not None:
            raised += 1
            log.info("edge agent's outbox keeps growing", extra={"key": spec.key})
    return raised
