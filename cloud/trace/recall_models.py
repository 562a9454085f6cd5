"""The shapes of a recall: what is affected, forward and backward, from a batch, unit or serial."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from cloud.trace.story_models import Receiver, Shipment, StoryModel

Direction = Literal["start", "forward", "backward", "shared"]


class RecallStart(StoryModel):
    """What the recall starts from: a batch, a logistic unit or a serialised item."""

    kind: Literal["batch", "sscc", "serial"] = Field(description="batch, sscc or serial")
    gtin: str | None = Field(default=None, description="GTIN (batch, serial)")
    lot: str | None = Field(default=None, description="Lot (batch)")
    sscc: str | None = Field(default=None, description="SSCC (sscc)")
    serial: str | None = Field(default=None, description="Serial (serial)")


class RecallBatch(StoryModel):
    """A batch the recall reaches."""

    id: int = Field(description="Batch id")
    gtin: str = Field(description="GTIN, 14 digits")
    lot: str = Field(description="Lot")
    product_name: str | None = Field(description="Name of the product")
    site_id: str | None = Field(description="Producing site")
    direction: Direction = Field(
        description="start; forward (made from it); backward (it was made from); shared (packed "
        "in the same units as a forward batch)"
    )
    hop: int = Field(description="Steps from the start (0: a start batch)")
    serials: int | None = Field(
        description="Serialised units commissioned into it (null: another site's batch)"
    )


class RecallUnit(StoryModel):
    """A logistic unit (pallet, case) that holds or held a reached batch."""

    sscc: str = Field(description="SSCC")
    batch_id: int = Field(description="The batch it holds")
    direction: Direction = Field(description="Direction of that batch")
    packed_at: datetime = Field(description="When the batch was packed into it")
    site_id: str = Field(description="Packing site")


class RecallPlace(StoryModel):
    """A place where a reached batch (or a unit holding it) was."""

    site_id: str = Field(description="Site")
    site_name: str | None = Field(description="Name of the site")
    location: str = Field(description="Place within the site")
    location_name: str | None = Field(description="Name of the place")
    direction: Direction = Field(description="Direction of the batch that was there")
    first_time: datetime = Field(description="When the first of them arrived")
    last_time: datetime | None = Field(description="When the last left (null: still there)")


class Recall(StoryModel):
    """Everything a recall concerns, scoped to what the caller may see."""

    start: RecallStart = Field(description="What it starts from")
    batches: list[RecallBatch] = Field(description="Batches reached, start first, by hop")
    units: list[RecallUnit] = Field(description="Logistic units that hold or held them")
    shipments: list[Shipment] = Field(description="Shipments of forward batches, in time order")
    receivers: list[Receiver] = Field(description="Receiving parties: other sites reached")
    places: list[RecallPlace] = Field(description="Places they were, in time order")
    scope: Literal["all", "site"] = Field(
        description="all: the whole chain; site: the caller's site, and its direct suppliers "
        "and customers by name and handover time (one step back, one step forward)"
    )
