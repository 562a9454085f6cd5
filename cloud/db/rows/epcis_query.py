"""EPCIS query values: GS1 keys, a SimpleEventQuery, a page mark, a captured event's index."""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

# Steps after which the objects are no longer at the read point (no bizLocation).
LEAVING_STEPS: frozenset[str] = frozenset({"shipping", "departing", "loading", "transporting"})


@dataclass(frozen=True)
class Gs1Key:
    """What an identifier names: a GTIN with lot or serial, an SSCC, or a GLN."""

    kind: str  # sgtin, lgtin, gtin, sscc, sgln
    key: str
    qualifier: str | None = None  # serial, lot or GLN extension

    @property
    def canonical(self) -> str:
        """The key as a string that is equal for equal things, whatever the form it came in."""
        return f"{self.kind}:{self.key}" + (f":{self.qualifier}" if self.qualifier else "")


@dataclass(frozen=True)
class EventQuery:
    """A SimpleEventQuery: every given parameter must hold (a list: any of its values)."""

    event_types: list[str] = field(default_factory=list)
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    biz_steps: list[str] = field(default_factory=list)
    biz_locations: list[str] = field(default_factory=list)  # canonical keys
    epcs: list[str] = field(default_factory=list)  # canonical keys
    classes: list[str] = field(default_factory=list)  # canonical keys

    def keys(self, values: list[str]) -> list[Gs1Key]:
        """The GS1 keys among canonical keys (other identifiers are matched as given)."""
        found = []
        for value in values:
            kind, _, rest = value.partition(":")
            key, _, qualifier = rest.partition(":")
            if kind in ("sgtin", "lgtin", "gtin", "sscc", "sgln") and key.isdigit():
                found.append(Gs1Key(kind, key, qualifier or None))
        return found


@dataclass(frozen=True, order=True)
class PageMark:
    """Where a page ended: the last event's time, source and reference."""

    time: datetime
    source: str
    ref: str

    def token(self) -> str:
        """An opaque nextPageToken."""
        raw = json.dumps([self.time.isoformat(), self.source, self.ref]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> "PageMark":
        """The mark a token names (ValueError when it is not one of ours)."""
        try:
            padded = token + "=" * (-len(token) % 4)
            time, source, ref = json.loads(base64.urlsafe_b64decode(padded))
            return cls(datetime.fromisoformat(time), str(source), str(ref))
        except (binascii.Error, ValueError, TypeError) as err:
            raise ValueError("not a token this server issued") from err


@dataclass(frozen=True)
class CapturedEvent:
    """The indexed fields of one valid EPCIS event, and the GS1 keys to link it to batches."""

    event_id: str | None
    digest: bytes  # sha256 of the canonical JSON: a resent event has the same
    event_type: str
    event_time: datetime
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    epc_keys: list[str]
    class_keys: list[str]
    lots: list[tuple[str, str]] = field(default_factory=list)  # (gtin, lot) named as classes
    items: list[tuple[str, str]] = field(default_factory=list)  # (gtin, serial)
    units: list[str] = field(default_factory=list)  # SSCCs
    made: list[tuple[tuple[str, str], tuple[str, str]]] = field(default_factory=list)
