"""The journey a consumer sees: harvest, processing, packing, cold storage, shipping, arrival.

From the batch's story, with nothing private: places by name and kind, dates, and for cold
storage only a verdict (kept in range, or not); no readings, readers, counts, ids or sales.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from cloud.trace.story import SHIPPING_STEPS
from cloud.trace.story_models import ColdVerdict, Story

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
    if any(_made_here(s.biz_step, s.location_kind) for s in story.steps):  # its own scan says where
        stages = [s for s in stages if s.kind != "processing"]
    for step in story.steps:
        if step.biz_step in _UNSHOWN or step.handover:
            continue
        stages.append(
            JourneyStep(
                kind=_kind(step.biz_step, step.location_kind, step.site_id, story.origin.site_id),
                biz_step=step.biz_step,
                time=step.first_time,
                site_name=step.site_name,
                place_name=step.location_name,
                place_kind=step.location_kind,
                product_name=None,
                verdict=verdicts.get((step.site_id, step.location or ""))
                if _is_cold(step.biz_step, step.location_kind)
                else None,
            )
        )
    return sorted(stages, key=lambda s: s.time)


class Stage(NamedTuple):
    """A JourneyStep's fields as the consumer page reads them (no model, no validation)."""

    kind: JourneyKind
    biz_step: str | None
    time: datetime
    site_name: str | None
    place_name: str | None
    place_kind: str | None
    product_name: str | None
    verdict: ColdVerdict | None


Row = Mapping[str, Any]


def page_journey(
    steps: Sequence[Row],
    inputs: Sequence[Row],
    verdicts: dict[tuple[str, str], ColdVerdict],
    *,
    batch: Row,
) -> list[Stage]:
    """journey(public_story(facts), ...)'s stages from the facts' rows as read: no models.

    `steps` and `inputs`: the story's facts (JSON rows, times as ISO text); `batch`: the
    batch's row (its producing site, production date, origin code and names). The page's
    hot path; tests/cloud/trace/test_journey.py holds it to journey()'s answers.
    """
    made = batch["production_date"]
    stages: list[Stage] = []
    if not inputs:
        if made is not None:
            origin = batch["origin_name"] or batch["origin_code"]
            stages.append(_harvest_stage(made, batch["site_name"], origin, None))
    else:
        for b in inputs:
            if b["production_date"] is not None:
                day = date.fromisoformat(b["production_date"])
                origin = b["origin_name"] or b["origin_code"]
                stages.append(_harvest_stage(day, b["site_name"], origin, b["product_name"]))
        if made is not None and not any(
            _made_here(s["biz_step"], s["location_kind"]) for s in steps
        ):
            at = _midnight(made)
            stages.append(Stage("processing", None, at, batch["site_name"], None, None, None, None))
    producer = batch["site_id"]
    for step in steps:
        biz_step = step["biz_step"]
        if biz_step in _UNSHOWN:
            continue
        place_kind = step["location_kind"]
        site = step["site_id"]
        cold = _is_cold(biz_step, place_kind)
        stages.append(
            Stage(
                _kind(biz_step, place_kind, site, producer),
                biz_step,
                datetime.fromisoformat(step["first_time"]),
                step["site_name"],
                step["location_name"],
                place_kind,
                None,
                verdicts.get((site, step["location"] or "")) if cold else None,
            )
        )
    stages.sort(key=_time)
    return stages


def _time(stage: Stage) -> datetime:
    return stage.time


def _harvest_stage(day: date, site: str | None, place: str | None, product: str | None) -> Stage:
    return Stage("harvest", None, _midnight(day), site, place, "farm_plot", product, None)


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


def _is_cold(biz_step: str, location_kind: str | None) -> bool:
    return location_kind in _COLD_PLACES or biz_step == "storing"


def _made_here(biz_step: str, location_kind: str | None) -> bool:
    """A step that processed the batch where it was scanned (its own `processing` stage)."""
    return biz_step == "commissioning" and location_kind != "farm_plot"


def _kind(
    biz_step: str, location_kind: str | None, site: str, producer: str | None
) -> JourneyKind:
    if biz_step == "commissioning":  # made: picked at a farm plot, else processed
        return "harvest" if location_kind == "farm_plot" else "processing"
    if biz_step == "packing":
        return "packing"
    if _is_cold(biz_step, location_kind):
        return "cold_storage"
    if biz_step in SHIPPING_STEPS:
        return "shipping"
    if biz_step in ("receiving", "arriving") and site != producer:
        return "arrival"
    return "step"
