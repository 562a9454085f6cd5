"""The timeline's answer: a batch's origin, entries, series, links and forwarding (models)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class BatchRef(_Model):
    """A batch named by id and GTIN + lot."""

    id: int = Field(description="Batch id")
    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot (GS1 AI 10)")


class Origin(_Model):
    """Where and by whom the batch was made (portal: producer, growing area, production time)."""

    product_name: str | None = Field(description="Name of the product")
    producer_name: str | None = Field(description="Producer")
    producer_address: str | None = Field(description="Producer's address")
    ocop_stars: int | None = Field(description="OCOP rating, 1-5 stars")
    origin_code: str | None = Field(description="Farm plot or growing area code")
    site_id: str | None = Field(description="Producing site")
    production_date: date | None = Field(description="Production (harvest) date")
    pack_date: date | None = Field(description="Packing date")
    expiry_date: date | None = Field(description="Expiry date")
    quantity: Decimal | None = Field(description="Quantity produced")
    unit: str | None = Field(description="Unit of the quantity")
    verified: bool = Field(description="Known from master data (not only from a scan)")
    source: str = Field(description="Where the batch came from: import, scan, api, epcis")


class Conditions(_Model):
    """The readings of one stay, summarised."""

    readings: int = Field(description="Readings linked to the stay (suspect ones left out)")
    min: float | None = Field(description="Lowest value")
    max: float | None = Field(description="Highest value")
    mean: float | None = Field(description="Mean value")
    mkt: float | None = Field(description="Mean kinetic temperature (°C; ΔH/R = 10,000 K)")
    out_of_range_s: float | None = Field(
        description="Seconds of the batch's excursions within the stay (null: no profile applies)"
    )


class Entry(_Model):
    """One thing that happened to the batch, in time order."""

    kind: Literal["origin", "event", "stay", "alert"] = Field(
        description="origin (made), event (a scan), stay (at a place, with conditions) or alert"
    )
    time: datetime = Field(description="When it happened or began")
    end: datetime | None = Field(
        default=None, description="When a stay or an alert ended (null: still open)"
    )
    site: str | None = Field(default=None, description="Site")
    location: str | None = Field(
        default=None, description="Place within the site (origin: the growing area)"
    )
    biz_step: str | None = Field(default=None, description="GS1 CBV business step of an event")
    event_id: str | None = Field(default=None, description="Event id (as forwarded)")
    via_sscc: str | None = Field(
        default=None, description="The logistic unit (SSCC) the batch was in"
    )
    conditions: Conditions | None = Field(default=None, description="A stay's readings, summarised")
    alert_id: int | None = Field(default=None, description="Alert id")
    alert_kind: str | None = Field(
        default=None, description="Kind of alert (excursion_high, impossible_travel, …)"
    )
    severity: str | None = Field(default=None, description="Alert severity")
    state: str | None = Field(
        default=None, description="Alert state: active_unack, active_ack or cleared"
    )
    asserted_by: Literal["site", "partner"] | None = Field(
        default=None,
        description="A captured EPCIS event: asserted by the capturing site itself, or by a "
        "partner (passed on by that site); null: a scan of our own devices",
    )
    captured_by: str | None = Field(
        default=None, description="The site a captured EPCIS event was captured for"
    )


class Point(_Model):
    """One bucket of the temperature series."""

    first_time: datetime = Field(description="Time of the bucket's first reading")
    last_time: datetime = Field(description="Time of the bucket's last reading")
    count: int = Field(description="Readings in the bucket")
    min: float = Field(description="Lowest value")
    max: float = Field(description="Highest value")
    mean: float = Field(description="Mean value")


class UnitRef(_Model):
    """A logistic unit the batch was packed into."""

    sscc: str = Field(description="SSCC of the logistic unit")
    packed_at: datetime = Field(description="When the batch was packed into it")
    site: str = Field(description="Packing site")


class DestinationForwarding(_Model):
    """How the batch's events stand with one destination (the national portal, …)."""

    destination: str = Field(
        description="Destination name (the national portal, an EPCIS repository)"
    )
    sent: int = Field(description="Events delivered")
    pending: int = Field(description="Events waiting to be sent")
    parked: int = Field(description="Events held: our data lacks a field")
    skipped: int = Field(description="Events the destination does not take")
    last_sent_at: datetime | None = Field(description="When the last one was delivered")
    missing_fields: list[str] = Field(description="Fields the parked events lack")


class Forwarding(_Model):
    """Delivery of the batch's events: parked (held: data missing), pending, delivered."""

    status: Literal["not_queued", "parked", "pending", "delivered"] = Field(
        description="parked: an event is held; pending: one waits; delivered; not_queued: none"
    )
    destinations: list[DestinationForwarding] = Field(description="Per destination")


class Timeline(_Model):
    """Everything that happened to a batch, with one step back and one step forward."""

    batch: BatchRef = Field(description="The batch")
    origin: Origin = Field(description="Where and by whom it was made")
    entries: list[Entry] = Field(description="What happened, in time order")
    series: list[Point] = Field(
        description="Temperature over its life, downsampled (at most `points` buckets)"
    )
    inputs: list[BatchRef] = Field(description="Batches it was made from (one step back)")
    units: list[UnitRef] = Field(description="Logistic units it was packed into")
    outputs: list[BatchRef] = Field(description="Batches made from it (one step forward)")
    forwarding: Forwarding = Field(description="Delivery of its events")
