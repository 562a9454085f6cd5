"""The cold-chain report as data: what it covers, its figures, its evidence and its verdict."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cloud.db.alerts_history import AlertRecord
from cloud.db.chain_store import ChainedEvent
from cloud.db.rollups_query import Span
from cloud.db.rows.coldchain import Profile
from cloud.db.sensors_store import Calibration, Place

Kind = Literal["batch", "stay", "shipment"]
Status = Literal["pass", "fail", "incomplete", "not_assessed"]


@dataclass(frozen=True)
class Figures:
    """Readings summarised: count, min, max, mean, MKT (temperature), first and last time."""

    count: int
    min: float | None
    max: float | None
    mean: float | None
    mkt: float | None
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class StayFigures:
    """One span the report covers, with its figures, time out of range and longest gap."""

    span: Span
    kind: str | None  # the location's kind (cold_room, vehicle, …), if known
    figures: Figures
    out_of_range_s: float
    longest_gap_s: float


@dataclass(frozen=True)
class LimitFigures:
    """Time beyond one limit of the profile: excursions, longest single and cumulative time."""

    direction: Literal["high", "low"]
    limit: float
    excursions: int
    longest_s: float
    total_s: float
    single_exceeded: bool


@dataclass(frozen=True)
class SensorRow:
    """A probe that reported within the report, where, how much, and its calibration."""

    site_id: str
    location: str
    place: Place | None
    device_id: str
    sensor: str
    good: int
    suspect: int
    first: datetime
    last: datetime
    calibration: Calibration | None


@dataclass(frozen=True)
class ExcursionRow:
    """An excursion within the report (duration clipped to it) and the alert it raised."""

    site_id: str
    location: str
    direction: Literal["high", "low"]
    start: datetime
    end: datetime | None
    until: datetime  # its end, or its newest reading while it goes on
    duration_s: float
    peak: float
    alert_id: int | None


@dataclass(frozen=True)
class ChainReference:
    """A site's chain as far as the report's events go: its highest link among them."""

    site_id: str
    events: int
    unchained: int
    position: int | None
    hash: bytes | None

    def verify_command(self) -> str | None:
        """The command that checks this reference (None: none of the events is chained)."""
        if self.position is None or self.hash is None:
            return None
        return f"txng verify --site {self.site_id} --link {self.position}:{self.hash.hex()}"


@dataclass(frozen=True)
class Handover:
    """Another site's event next to the viewing site's: when, which site, which step; no more."""

    time: datetime
    site_id: str
    biz_step: str


@dataclass(frozen=True)
class Reason:
    """One reason for a verdict: a code the texts know, and its figures."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The conclusion: pass, fail, incomplete or not assessed, with every reason."""

    status: Status
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class BatchInfo:
    """A batch the report is about (or that a shipped unit contains)."""

    id: int
    gtin: str
    lot: str
    product_name: str | None
    producer_name: str | None


@dataclass(frozen=True)
class Point:
    """One bucket of the chart's series."""

    first_time: datetime
    last_time: datetime
    count: int
    min: float
    max: float
    mean: float


@dataclass(frozen=True)
class Report:
    """Everything a cold-chain report shows, computed once for PDF, XLSX and CSV."""

    kind: Kind
    generated_at: datetime
    quantity: str
    start: datetime | None
    end: datetime | None  # None: still going on
    batches: tuple[BatchInfo, ...]
    sscc: str | None
    from_site: str | None
    to_site: str | None
    profile: Profile | None
    overall: Figures
    stays: tuple[StayFigures, ...]
    limits: tuple[LimitFigures, ...]
    out_of_range_s: float
    sensors: tuple[SensorRow, ...]
    excursions: tuple[ExcursionRow, ...]
    alerts: tuple[AlertRecord, ...]
    events: tuple[ChainedEvent, ...]
    chain: tuple[ChainReference, ...]
    series: tuple[Point, ...]
    pending_work: int
    untracked_s: float  # a shipment's time at no known place (no readings can cover it)
    verdict: Verdict
    seen_by: str | None = None  # an operator's site: the report covers that site's part only
    handovers: tuple[Handover, ...] = ()  # seen_by's handovers with other sites

    @property
    def spans(self) -> list[Span]:
        """The spans the report covers."""
        return [s.span for s in self.stays]
