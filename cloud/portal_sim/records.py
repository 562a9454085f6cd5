"""What the simulated portal holds: objects by kind, deduped by the client's reference."""

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

    by_kind: dict[str, dict[str, Record]] = field(default_factory=dict)
    by_id: dict[str, Record] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    deduped: dict[str, int] = field(default_factory=dict)
    last_id: int = 0

    def create(self, kind: str, reference: str, body: dict[str, Any]) -> tuple[Record, bool]:
        """The record of this reference: created now (True) or found (False, body unchanged)."""
        existing = self.by_kind.setdefault(kind, {}).get(reference)
        if existing is not None:
            self.deduped[kind] = self.deduped.get(kind, 0) + 1
            return existing, False
        self.last_id += 1
        record = Record(f"{kind[:3].upper()}{self.last_id:08d}", kind, reference, body)
        self.by_kind[kind][reference] = record
        self.by_id[record.id] = record
        self.created[kind] = self.created.get(kind, 0) + 1
        return record, True

    def get(self, record_id: str, kind: str | None = None) -> Record | None:
        """The record with this id (of this kind, when given)."""
        record = self.by_id.get(record_id)
        return record if record is not None and kind in (None, record.kind) else None

    def summary(self) -> dict[str, Any]:
        """Counts per kind: records, confirmed, created, deduped."""
        return {
            kind: {
                "records": len(records),
                "confirmed": sum(1 for r in records.values() if r.confirmed),
                "created": self.created.get(kind, 0),
                "deduped": self.deduped.get(kind, 0),
            }
            for kind, records in self.by_kind.items()
        }
