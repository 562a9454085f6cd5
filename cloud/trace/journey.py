"""The journey a consumer sees: harvest, processing, packing, cold storage, shipping, arrival.

From the batch's story, with nothing private: places by name and kind, dates, and for cold
storage only a verdict (kept in range, or not); no readings, readers, counts, ids or sales.
"""

from datetime import UTC, date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cloud.trace.story import SHIPPING_STEPS
from cloud.trace.story_models import ColdVerdict, Step, Story

JourneyKind = Literal[
    "harvest", "processing", "packing", "cold_storage", "shipping", "arrival", "step"
]
# Steps that say nothing a consumer should see (sales are other customers' business).
_UNSHOWN = frozenset({"retail_selling", "void_shipping", "decommissioning", "destroying"})
_COLD_PLACES = frozenset({"cold_room"})


class JourneyStep(BaseModel):
    """One stage of the product's journey, as a consumer may see it."""

    model_config = ConfigDict(frozen=True)

    kind: JourneyKind = Field(
        description="harvest, processing, packing, cold_storage, shipping, arrival or step"
    )
    biz_step: str | None = Field(description="GS1 CBV business step (kind `step`: which)")
    time: datetime = Field(description="When it happened (began)")
    site_name: str | None = Field(description="Name of the site")
    place_name: str | None = Field(description="Name of the place (growing area, shop, …)")
    place_kind: str | None = Field(description="farm_plot, packing_line, cold_room, warehouse, …")
    product_name: str | None = Field(
        description="The product it concerned, when not this one (a harvest of the raw produce)"
    )
    verdict: ColdVerdict | None = Field(
        description="Cold storage: temperature kept in range, or not (null: not monitored)"
    )


def journey(
    story: Story,
    verdicts: dict[tuple[str, str], ColdVerdict],
    *,
    site_name: str | None,
    origin_name: str | None,
) -> list[JourneyStep]:
    """The public stages of the batch, in time order (`verdicts`: per place, public_story's)."""
    stages = _beginnings(story, site_name=site_name, origin_name=origin_name)
    if any(_kind(s, None) == "processing" for s in story.steps):  # its own scan says where
        stages = [s for s in stages if s.kind != "processing"]
    for step in story.steps:
        if step.biz_step in _UNSHOWN or step.handover:
            continue
        stages.append(
            JourneyStep(
                kind=_kind(step, story.origin.site_id),
                biz_step=step.biz_step,
                time=step.first_time,
                site_name=step.site_name,
                place_name=step.location_name,
                place_kind=step.location_kind,
                product_name=None,
                verdict=verdicts.get((step.site_id, step.location or ""))
                if _is_cold(step)
                else None,
            )
        )
    return sorted(stages, key=lambda s: s.time)


def _beginnings(
    story: Story, *, site_name: str | None, origin_name: str | None
) -> list[JourneyStep]:
    """Harvest of what it was made from (or of itself), and processing when it was made."""
    made = story.origin.production_date
    if not story.back.inputs:
        if made is None:
            return []
        return [_harvest(made, site_name, origin_name or story.origin.origin_code, None)]
    stages = [
        _harvest(b.production_date, b.site_name, b.origin_name or b.origin_code, b.product_name)
        for b in story.back.inputs
        if b.production_date is not None
    ]
    if made is not None:
        stages.append(
            JourneyStep(
                kind="processing",
                biz_step=None,
                time=_midnight(made),
                site_name=site_name,
                place_name=None,
                place_kind=None,
                product_name=None,
                verdict=None,
            )
        )
    return stages


def _harvest(day: date, site: str | None, place: str | None, product: str | None) -> JourneyStep:
    return JourneyStep(
        kind="harvest",
        biz_step=None,
        time=_midnight(day),
        site_name=site,
        place_name=place,
        place_kind="farm_plot",
        product_name=product,
        verdict=None,
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _is_cold(step: Step) -> bool:
    return step.location_kind in _COLD_PLACES or step.biz_step == "storing"


def _kind(step: Step, producer: str | None) -> JourneyKind:
    if step.biz_step == "commissioning":  # made: picked at a farm plot, else processed
        return "harvest" if step.location_kind == "farm_plot" else "processing"
    if step.biz_step == "packing":
        return "packing"
    if _is_cold(step):
        return "cold_storage"
    if step.biz_step in SHIPPING_STEPS:
        return "shipping"
    if step.biz_step in ("receiving", "arriving") and step.site_id != producer:
        return "arrival"
    return "step"
