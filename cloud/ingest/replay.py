"""Replay a dead letter through the ingester's own triage and persist path."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cloud.db import dead_letters_store, devices_store
from cloud.db.pool import Database
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.persist import persist_batch
from cloud.ingest.triage import triage
from contract import ContractError, Topic


@dataclass(frozen=True)
class ReplayOutcome:
    """What replaying one dead letter stored, and why it failed again if it did."""

    letter_id: int
    stored: dict[str, int]
    duplicates: dict[str, int]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """The letter's items are stored now."""
        return not self.problems


def _message(letter: dict[str, object]) -> InboundMessage:
    """The MQTT message to replay: the stored bytes, or one rejected item in a new envelope."""
    payload, received = letter["payload"], letter["received_at"]
    assert isinstance(payload, bytes)
    if letter["item_index"] is not None:
        topic = Topic.parse(str(letter["topic"]))
        item = json.loads(payload)
        envelope = {"v": 1, "site": topic.site, "device": topic.device, "items": [item]}
        payload = json.dumps(envelope, ensure_ascii=False).encode()
    return InboundMessage(
        topic=str(letter["topic"]),
        payload=payload,
        qos=1,
        mid=0,
        connection=0,
        received_at=received if isinstance(received, datetime) else datetime.now(UTC),
    )


def replay_dead_letter(
    database: Database, letter_id: int, *, max_bytes: int = 1 << 20
) -> ReplayOutcome | None:
    """Re-run a dead letter's payload through triage and persist (None: no such letter).

    Meant for after the master data or a device's approval is fixed. When it stores cleanly the
    letter is marked replayed; when it fails again, the reasons are returned and nothing changes
    (the same bytes dead-letter to the same key, so nothing is added twice).
    """
    with database.transaction() as conn, conn.cursor() as cur:
        letter = dead_letters_store.get_dead_letter(cur, letter_id=letter_id)
    if letter is None:
        return None
    try:
        message = _message(letter)
    except (ContractError, ValueError) as err:
        return ReplayOutcome(letter_id, {}, {}, [f"cannot rebuild the message: {err}"])
    plan = triage(message, max_bytes=max_bytes)
    if plan.dead_letters:
        return ReplayOutcome(
            letter_id, {}, {}, [f"{d.reason}: {d.detail}" for d in plan.dead_letters]
        )
    if plan.device is not None:
        with database.transaction() as conn, conn.cursor() as cur:
            site, device_id = plan.device
            device = devices_store.get_device(cur, site=site, device=device_id, online_s=0)
        if device is None or device["approval"] == "rejected":
            state = "not registered" if device is None else device["approval"]
            return ReplayOutcome(letter_id, {}, {}, [f"device is {state}; approve it first"])
    outcome = persist_batch(database, [plan], register_unknown=False)
    problems = [f"{d.reason}: {d.detail}" for d in outcome.dead_letters]
    if not problems:
        with database.transaction() as conn, conn.cursor() as cur:
            dead_letters_store.mark_replayed(cur, letter_id=letter_id)
    return ReplayOutcome(letter_id, outcome.stored, outcome.duplicates, problems)
