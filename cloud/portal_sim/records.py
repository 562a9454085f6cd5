"""What the simulated portal holds: objects by kind, deduplicated by the client's reference or not.

The real portal's behaviour on a repeated client reference is not known. By default the
simulator finds the existing object (a portal that de-duplicates); with `dedupe` off every
create makes a new object, as a portal that ignores the reference would.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Record:
    """One created object."""

    id: str
    kind: str
    reference: str
    body: dict[str, Any]
    confirmed: bool = False


@dataclass
class Records:
    """Every object created, by kind and client reference, with counts of what happened."""

    dedupe: bool = True
    by_kind: dict[str, dict[str, Record]] = field(default_factory=dict)  # the one per reference
    every: dict[str, list[Record]] = field(default_factory=dict)  # all of them, duplicates too
    by_id: dict[str, Record] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    deduped: dict[str, int] = field(default_factory=dict)
    last_id: int = 0

    def create(self, kind: str, reference: str, body: dict[str, Any]) -> tuple[Record, bool]:
        """The record of this reference: created now (True) or found (False, body unchanged)."""
        existing = self.by_kind.setdefault(kind, {}).get(reference)
        if existing is not None and self.dedupe:
            self.deduped[kind] = self.deduped.get(kind, 0) + 1
            return existing, False
        self.last_id += 1
        record = Record(f"{kind[:3].upper()}{self.last_id:08d}", kind, reference, body)
        self.by_kind[kind].setdefault(reference, record)
        self.every.setdefault(kind, []).append(record)
        self.by_id[record.id] = record
        self.created[kind] = self.created.get(kind, 0) + 1
        return record, True

    def confirm(self, record: Record) -> None:
        """Confirm a record; it becomes the one its reference stands for."""
        record.confirmed = True
        self.by_kind[record.kind][record.reference] = record

    def get(self, record_id: str, kind: str | None = None) -> Record | None:
        """The record with this id (of this kind, when given)."""
        record = self.by_id.get(record_id)
        return record if record is not None and kind in (None, record.kind) else None

    def confirmed_by_reference(self, kind: str) -> Counter[str]:
        """How many confirmed records each reference of `kind` has (exactly-once: all 1)."""
        return Counter(r.reference for r in self.every.get(kind, []) if r.confirmed)

    def summary(self) -> dict[str, Any]:
        """Counts per kind: records, confirmed, created, deduped, references, duplicates."""
        result = {}
        for kind, records in self.every.items():
            confirmed = self.confirmed_by_reference(kind)
            result[kind] = {
                "records": len(records),
                "confirmed": sum(confirmed.values()),
                "created": self.created.get(kind, 0),
                "deduped": self.deduped.get(kind, 0),
                "references": len(self.by_kind.get(kind, {})),
                "unconfirmed": sum(1 for r in records if not r.confirmed),
                "confirmed_twice": sum(1 for n in confirmed.values() if n > 1),
            }
        return result
