"""The shapes of a batch's story: its life grouped into steps, with one step back and forward."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cloud.trace.timeline_models import BatchRef, Origin, UnitRef

ColdVerdict = Literal["ok", "excursion", "no_readings"]


class StoryModel(BaseModel):
    """Frozen: a story is read, never changed."""

    model_config = ConfigDict(frozen=True)


class StepConditions(StoryModel):
    """The readings taken where and while the batch was at the step's place, summarised."""

    start: datetime = Field(description="When the batch's first stay there began")
    end: datetime | None = Field(description="When its last stay there ended (null: still there)")
    readings: int = Field(description="Readings (suspect ones left out; each counted once)")
    min: float | None = Field(description="Lowest temperature (°C)")
    max: float | None = Field(description="Highest temperature (°C)")
    mean: float | None = Field(description="Mean temperature (°C)")
    mkt: float | None = Field(description="Mean kinetic temperature (°C; ΔH/R = 10,000 K)")
    out_of_range_s: float | None = Field(
        description="Seconds of the batch's excursions there (null: no profile applies)"
    )


class StepAlert(StoryModel):
    """An alert that names the batch."""

    id: int = Field(description="Alert id")
    kind: str = Field(description="Kind of alert (excursion_high, impossible_travel, …)")
    severity: str = Field(description="info, warning or critical")
    state: str = Field(description="active_unack, active_ack or cleared")
    site_id: str | None = Field(description="Site")
    location: str | None = Field(description="Place within the site")
    started_at: datetime = Field(description="When the condition began")
    ended_at: datetime | None = Field(description="When it ended (null: still going on)")


class Step(StoryModel):
    """One business step at one place: every scan of it that names the batch, as one row."""

    biz_step: str = Field(description="GS1 CBV business step")
    site_id: str = Field(description="Site")
    site_name: str | None = Field(description="Name of the site")
    location: str | None = Field(description="Place within the site (null: another site's)")
    location_name: str | None = Field(description="Name of the place")
    location_kind: str | None = Field(description="farm_plot, packing_line, cold_room, …")
    first_time: datetime = Field(description="First scan")
    last_time: datetime = Field(description="Last scan")
    scans: int | None = Field(description="Scans (null: another site's step)")
    serials: int | None = Field(description="Serialised units scanned (distinct serials)")
    units: int | None = Field(description="Logistic units (SSCC) it was scanned in")
    readers: list[str] = Field(description="Readers that scanned (device/reader)")
    conditions: StepConditions | None = Field(
        description="Readings at the place (on the place's first step only)"
    )
    alerts: list[StepAlert] = Field(description="Alerts at the place (on its first step only)")
    handover: bool = Field(
        description="Another site's step, shown as its identity and handover times only"
    )


class CapturedStep(StoryModel):
    """Captured EPCIS events naming the batch, of one step at one place, as one row."""

    biz_step: str | None = Field(description="GS1 CBV business step")
    place: str | None = Field(description="Business location or read point (EPCIS URI)")
    asserted_by: str = Field(
        description="site: the capturing site's own events; partner: a partner's, passed on"
    )
    captured_by: str = Field(description="The site that captured them")
    events: int = Field(description="Events")
    first_time: datetime = Field(description="First event")
    last_time: datetime = Field(description="Last event")


class LinkedBatch(StoryModel):
    """A batch one step back (made into this one) or forward (made from it)."""

    id: int = Field(description="Batch id")
    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot")
    product_name: str | None = Field(description="Name of the product")
    site_id: str | None = Field(description="Producing site")
    site_name: str | None = Field(default=None, description="Name of the producing site")
    production_date: date | None = Field(default=None, description="Production (harvest) date")
    origin_code: str | None = Field(default=None, description="Farm plot or growing area code")
    origin_name: str | None = Field(default=None, description="Name of the origin place")


class Shipment(StoryModel):
    """The batch (or units holding it) leaving a place, and where it was next seen."""

    site_id: str = Field(description="Shipping site")
    location: str | None = Field(description="Place it left from")
    biz_step: str = Field(description="shipping, departing or loading")
    first_time: datetime = Field(description="First shipping scan")
    last_time: datetime = Field(description="Last shipping scan")
    units: int | None = Field(description="Logistic units shipped")
    to_site: str | None = Field(description="The next site it was scanned at (null: not yet)")
    to_site_name: str | None = Field(description="Name of that site")
    arrived_at: datetime | None = Field(description="First scan there")


class Receiver(StoryModel):
    """Another site the batch reached: a receiving party."""

    site_id: str = Field(description="Site")
    site_name: str | None = Field(description="Name of the site")
    first_time: datetime = Field(description="First scan there")
    biz_step: str = Field(description="Business step of that scan")


class StoryBack(StoryModel):
    """One step back: what the batch was made from."""

    inputs: list[LinkedBatch] = Field(description="Batches it was made from")


class StoryForward(StoryModel):
    """One step forward: what carried the batch, where it went, what was made of it."""

    units: list[UnitRef] = Field(description="Logistic units (pallets, cases) it was packed into")
    shipments: list[Shipment] = Field(description="Shipments, in time order")
    receivers: list[Receiver] = Field(description="Other sites it reached, in time order")
    outputs: list[LinkedBatch] = Field(description="Batches made from it")


class Story(StoryModel):
    """A batch's life as steps, with conditions and alerts inline, one step back and forward."""

    batch: BatchRef = Field(description="The batch")
    origin: Origin = Field(description="Where and by whom it was made")
    steps: list[Step] = Field(description="Steps, in the order they began")
    alerts: list[StepAlert] = Field(description="Alerts at no step's place")
    captured: list[CapturedStep] = Field(
        description="Captured EPCIS events (an operator: those their site captured)"
    )
    back: StoryBack = Field(description="One step back")
    forward: StoryForward = Field(description="One step forward")
    scope: Literal["all", "site"] = Field(
        description="all: every site in full; site: the caller's site in full, others as handovers"
    )


class StepEvent(StoryModel):
    """One scan of a step."""

    time: datetime = Field(description="Event time")
    id: str = Field(description="Event id")
    device_id: str = Field(description="Device")
    reader: str = Field(description="Reader of the device")
    gtin: str | None = Field(description="GTIN scanned")
    lot: str | None = Field(description="Lot scanned")
    serial: str | None = Field(description="Serial scanned")
    sscc: str | None = Field(description="SSCC scanned")
    via: str | None = Field(description="The logistic unit the batch was scanned in")


class StepEvents(StoryModel):
    """A page of a step's scans; `next` continues after the last one."""

    items: list[StepEvent] = Field(description="Scans in time order")
    next: str | None = Field(description="Cursor of the next page (null: no more)")
