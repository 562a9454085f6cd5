"""Store a batch of triaged messages in one transaction and report what changed."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg2.extensions import cursor as Cursor

from cloud.db.forward_store import enqueue_events as enqueue_forwarding
from cloud.db.ingest_store import (
    DeadLetter,
    DeviceKey,
    Received,
    admit_devices,
    store_dead_letters,
    store_events,
    store_reading_copy,
    store_status,
)
from cloud.db.pool import Database
from cloud.db.quarantine_store import hold
from cloud.db.work_queue import Work, enqueue
from cloud.derive.planning import work_for_events
from cloud.ingest.triage import MessagePlan, devices_seen
from contract import ContractErrorReason


@dataclass
class BatchOutcome:
    """Counts of one committed batch."""

    stored: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)  # of `stored`: devices pending
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
    """Admit devices, store items (duplicates change nothing) and dead letters; one commit.

    Items of a device pending approval are stored in quarantine, with the derived work and
    forwarding they call for held until an operator approves the device (`quarantine_store`).
    """
    outcome = BatchOutcome()
    admitted = _Items()
    held = _Items()
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
            (admitted if approval == "approved" else held).add(plan)
            statuses.extend(plan.statuses)
        admitted.store(cur, outcome, held=False)
        held.store(cur, outcome, held=True)
        if statuses:
            new = store_status(cur, statuses)
            outcome.stored["status"] = new
            outcome.duplicates["status"] = len(statuses) - new
        outcome.new_dead_letter_reasons = store_dead_letters(cur, outcome.dead_letters)
        enqueue(cur, work_for_events(admitted.events) + admitted.reading_work)
        enqueue_forwarding(cur, admitted.events)
        if held.devices:
            hold(cur, held.device_work(), held.events)
    return outcome


@dataclass
class _Items:
    """The readings and scans of one batch's messages that go to the same tables."""

    reading_copy: list[bytes] = field(default_factory=list)  # one chunk per message
    readings: int = 0
    reading_work: list[Work] = field(default_factory=list)
    events: list[Received] = field(default_factory=list)
    devices: dict[DeviceKey, list[MessagePlan]] = field(default_factory=dict)

    def add(self, plan: MessagePlan) -> None:
        """Take a message's readings (formatted by triage) and scans."""
        if plan.readings:
            self.reading_copy.append(plan.reading_copy)
            self.readings += len(plan.readings)
            self.reading_work.extend(plan.reading_work)
        self.events.extend(plan.events)
        assert plan.device is not None
        self.devices.setdefault(plan.device, []).append(plan)

    def store(self, cur: Cursor, outcome: BatchOutcome, *, held: bool) -> None:
        """Store the items (in quarantine when `held`) and count them into `outcome`."""
        if self.readings:
            new = store_reading_copy(cur, self.reading_copy, self.readings, held=held)
            self._count(outcome, "reading", self.readings, new, held)
        if self.events:
            self._count(
                outcome, "scan", len(self.events), store_events(cur, self.events, held=held), held
            )

    @staticmethod
    def _count(outcome: BatchOutcome, kind: str, count: int, new: int, held: bool) -> None:
        outcome.stored[kind] = outcome.stored.get(kind, 0) + new
        outcome.duplicates[kind] = outcome.duplicates.get(kind, 0) + count - new
        if held:
            outcome.quarantined[kind] = new

    def device_work(self) -> list[tuple[DeviceKey, Work]]:
        """The derived work of each device's items (for holding it per device)."""
        work: list[tuple[DeviceKey, Work]] = []
        for device, plans in self.devices.items():
            for plan in plans:
                items = work_for_events(plan.events) + plan.reading_work
                work.extend((device, w) for w in items)
        return work


def storage_letter(
    plan: MessagePlan, detail: str, *, reason: str = "storage_rejected"
) -> DeadLetter:
    """A dead letter for a message the database refused (or that crashed storage) on its own."""
    return _device_letter(plan, reason, detail)
