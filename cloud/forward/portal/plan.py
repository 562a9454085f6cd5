"""From queued events to the portal's stage events: one per batch, with its stage, ready or not."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.forward_context import (
    BatchContext,
    EventContext,
    pending_work,
    stay_at,
    stay_summaries_of,
)
from cloud.db.readings_query import StaySummary
from cloud.db.rows.forward import OutboxItem
from cloud.forward.adapter import Outcome, Result
from cloud.forward.errors import ForwardError
from cloud.forward.portal import readiness
from cloud.forward.portal.settings import PortalMapping


@dataclass
class Unit:
    """One stage event to send: an outbox item for one of its batches."""

    item: OutboxItem
    ref: str
    context: EventContext
    batch: BatchContext
    stage: str
    remote_id: str | None = None
    confirmed: bool = False
    error: ForwardError | None = None
    waiting: str | None = None  # why it cannot go yet (a storage or transport stay not over)
    summary: StaySummary | None = None
    body: dict[str, Any] = field(default_factory=dict)
    photos: list[dict[str, Any]] = field(default_factory=list)

    @property
    def batch_key(self) -> str:
        """GTIN|lot of the unit's batch."""
        return f"{self.batch.batch['gtin']}|{self.batch.batch['lot']}"


def plan_item(
    mapping: PortalMapping, item: OutboxItem, context: EventContext
) -> list[Unit] | Result | None:
    """The item's stage events, one per batch; a result if it has none; None: no batch known."""
    event = context.event
    if item.kind != "event":
        return Result(item.id, Outcome.PERMANENT, f"the portal adapter cannot send {item.kind!r}")
    kind = (context.location or {}).get("kind")
    step = str(event.get("biz_step"))
    if all(mapping.stage_for(step, kind, at) is None for at in (True, False, None)):
        return Result(item.id, Outcome.SKIPPED, f"no portal stage for {step}")
    batches = context.batches
    if not batches and event.get("gtin") and event.get("lot"):
        batches = [BatchContext({"id": None, "gtin": event["gtin"], "lot": event["lot"]}, None)]
    if not batches:
        return None
    units = []
    for batch in batches:
        producer = batch.batch.get("site_id")
        at_producer = None if producer is None else producer == event["site"]
        stage = mapping.stage_for(step, kind, at_producer)
        if stage is None:
            continue
        ref = item.key
        if len(batches) > 1:
            ref = f"{item.key}|{batch.batch['gtin']}|{batch.batch['lot']}"
        units.append(
            Unit(
                item=item,
                ref=ref,
                context=context,
                batch=batch,
                stage=stage,
                remote_id=item.remote.get(f"id:{ref}"),
                confirmed=bool(item.remote.get(f"ok:{ref}")),
            )
        )
    return units or Result(item.id, Outcome.SKIPPED, f"no portal stage for {step}")


def unplaced_results(
    cur: Cursor,
    unplaced: Sequence[tuple[OutboxItem, EventContext]],
    *,
    recheck_s: float,
    wait_s: float,
) -> list[Result]:
    """Events that name no known batch yet: wait a while, then park them.

    A unit's contents come from packing scans, which may arrive after the unit's storage scan
    (another device): they are waited for `wait_s` after the event was queued.
    """
    pending = pending_work(
        cur, [k for _, c in unplaced for k in readiness.presence_work(c.event, None)]
    )
    now = datetime.now(UTC)
    results = []
    for item, context in unplaced:
        keys = readiness.presence_work(context.event, None)
        waited = (now - (item.queued_at or now)).total_seconds()
        if any((kind, key) in pending for kind, key, _ in keys) or waited < wait_s:
            results.append(
                Result(
                    item.id,
                    Outcome.DEFERRED,
                    "no batch known for it yet (its contents may still arrive)",
                    retry_after_s=recheck_s,
                )
            )
            continue
        field_name = "lot" if context.event.get("gtin") else "batch"
        results.append(
            Result(
                item.id,
                Outcome.PERMANENT,
                f"missing or invalid: {field_name} (no batch known for this event)",
                missing_field=field_name,
            )
        )
    return results


def check_stays(cur: Cursor, mapping: PortalMapping, units: Sequence[Unit]) -> None:
    """Storage and transport events: their stay's summary, or why they must wait for it."""
    cold = [u for u in units if u.stage in mapping.cold_chain_stages and u.remote_id is None]
    summaries = stay_summaries_of(
        cur, [int(u.batch.batch["id"]) for u in cold if u.batch.batch.get("id") is not None]
    )
    wanted = []
    for unit in cold:
        unit.summary = _summary(unit, summaries)
        wanted += readiness.presence_work(unit.context.event, unit.batch.batch.get("id"))
        if unit.summary is not None and unit.summary.stay.end is not None:
            wanted += readiness.stay_work(unit.summary)
    pending = pending_work(cur, wanted)
    for unit in cold:
        unit.waiting = readiness.wait_reason(
            unit.context.event, unit.summary, pending, unit.batch.batch.get("id")
        )


def _summary(unit: Unit, summaries: dict[int, list[StaySummary]]) -> StaySummary | None:
    batch_id = unit.batch.batch.get("id")
    if batch_id is None or int(batch_id) not in summaries:
        return None
    event = unit.context.event
    return stay_at(
        summaries[int(batch_id)],
        site=str(event["site"]),
        location=str(event["location"]),
        at=datetime.fromisoformat(str(event["time"])),
    )
