"""Store a batch of triaged messages in one transaction and report what changed."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from cloud.db.forward_store import enqueue_events as enqueue_forwarding
from cloud.db.ingest_store import (
    DeadLetter,
    Received,
    admit_devices,
    reading_rows,
    store_dead_letters,
    store_events,
    store_reading_rows,
    store_status,
)
from cloud.db.pool import Database
from cloud.db.work_queue import Work, enqueue
from cloud.derive.planning import work_for_events, work_for_readings
from cloud.ingest.triage import MessagePlan, devices_seen
from contract import ContractErrorReason


@dataclass
class BatchOutcome:
    """Counts of one committed batch."""

    stored: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    new_dead_letter_reasons: list[str] = field(default_factory=list)


def _device_letter(plan: MessagePlan, reason: str, detail: str) -> DeadLetter:
    message = plan.message
    site, device = plan.device or (None, None)
    return DeadLetter(
        topic=message.topic,
        payload=message.payload,
        reason=reason,
        detail=detail,
        received_at=message.received_at,
        site=site,
        device=device,
    )


def persist_batch(
    database: Database, plans: Sequence[MessagePlan], *, register_unknown: bool
) -> BatchOutcome:
    """Admit devices, store items (duplicates change nothing) and dead letters; one commit."""
    outcome = BatchOutcome()
    rows: list[str] = []
    reading_work: list[Work] = []
    events: list[Received] = []
    statuses: list[Received] = []
    with database.transaction() as conn, conn.cursor() as cur:
        seen = devices_seen(plans)
        approvals = admit_devices(cur, seen, register_unknown=register_unknown) if seen else {}
        for plan in plans:
            outcome.dead_letters.extend(plan.dead_letters)
            if plan.device is None:
                continue
            approval = approvals.get(plan.device)
            if approval is None:
                outcome.dead_letters.append(
                    _device_letter(
                        plan,
                        ContractErrorReason.UNKNOWN_DEVICE.value,
                        "device is not registered and unknown devices are rejected",
                    )
                )
                continue
            if approval == "rejected":
                outcome.dead_letters.append(
                    _device_letter(plan, "device_rejected", "an operator rejected this device")
                )
                continue
            rows.extend(
                plan.reading_rows if plan.reading_rows is not None else reading_rows(plan.readings)
            )
            reading_work.extend(
                plan.reading_work
                if plan.reading_work is not None
                else work_for_readings(plan.readings)
            )
            events.extend(plan.events)
            statuses.extend(plan.statuses)
        if rows:
            new = store_reading_rows(cur, rows)
            outcome.stored["reading"] = new
            outcome.duplicates["reading"] = len(rows) - new
        for kind, entries, store in (
            ("scan", events, store_events),
            ("status", statuses, store_status),
        ):
            if entries:
                new = store(cur, entries)
                outcome.stored[kind] = new
                outcome.duplicates[kind] = len(entries) - new
        outcome.new_dead_letter_reasons = store_dead_letters(cur, outcome.dead_letters)
        enqueue(cur, work_for_events(events) + reading_work)
        enqueue_forwarding(cur, events)
    return outcome


def storage_letter(
    plan: MessagePlan, detail: str, *, reason: str = "storage_rejected"
) -> DeadLetter:
    """A dead letter for a message the database refused (or that crashed storage) on its own."""
    return _device_letter(plan, reason, detail)
