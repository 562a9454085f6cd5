"""A logistic unit's story: what it holds, its steps, where it was shipped and who received it."""

from datetime import datetime
from typing import Literal

from psycopg2.extensions import cursor as Cursor
from pydantic import Field

from cloud.db import units_store as store
from cloud.trace.story import receivers_of, seen_from, shipments_of
from cloud.trace.story_models import LinkedBatch, Receiver, Shipment, Step, StoryModel


class PackedBatch(LinkedBatch):
    """A batch packed into the unit."""

    packed_at: datetime = Field(description="When it was packed into the unit")
    packed_site: str = Field(description="Where it was packed")


class UnitStory(StoryModel):
    """One pallet or case (SSCC): its contents, its steps, its shipments."""

    sscc: str = Field(description="SSCC, 18 digits")
    contents: list[PackedBatch] = Field(description="Batches packed into it")
    steps: list[Step] = Field(description="Its scans as steps, in the order they began")
    shipments: list[Shipment] = Field(description="Shipments, with the next site reached")
    receivers: list[Receiver] = Field(description="Sites it reached after the first")
    scope: Literal["all", "site"] = Field(
        description="all: every site in full; site: the caller's site in full, others as handovers"
    )


def unit_steps(cur: Cursor, sscc: str) -> list[Step]:
    """The unit's scans as steps, in the order they began."""
    return [
        Step.model_validate(r | {"conditions": None, "alerts": [], "handover": False})
        for r in store.unit_steps(cur, sscc)
    ]


def unit_story(cur: Cursor, sscc: str, *, site: str | None = None) -> UnitStory | None:
    """The unit as `site` may see it (None: every site); None if unknown (or not seen there)."""
    contents = [PackedBatch.model_validate(r) for r in store.unit_batches(cur, sscc)]
    steps = unit_steps(cur, sscc)
    stayed = {s.site_id for s in store.unit_stays(cur, sscc)}
    if not contents and not steps and not stayed:
        return None
    if site is not None:
        packed_here = any(c.packed_site == site for c in contents)
        steps = seen_from(steps, site)
        if not packed_here and site not in stayed and not any(not s.handover for s in steps):
            return None
    first_site = contents[0].packed_site if contents else None
    return UnitStory(
        sscc=sscc,
        contents=contents,
        steps=steps,
        shipments=shipments_of(steps),
        receivers=receivers_of(steps, first_site),
        scope="all" if site is None else "site",
    )
