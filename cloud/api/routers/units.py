"""Logistic units (SSCC): a pallet's or case's contents, steps and shipments."""

from typing import Annotated

from fastapi import APIRouter, Path

from cloud.api.access import SiteReader
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.trace.unit_story import UnitStory, unit_story

router = APIRouter(
    prefix="/api/units",
    tags=["units"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
Sscc = Annotated[str, Path(pattern=r"^\d{18}$", description="SSCC, 18 digits")]


@router.get("/{sscc}/story", response_model=UnitStory, summary="A logistic unit's story")
def get_unit_story(principal: SiteReader, cur: CursorDep, sscc: Sscc) -> UnitStory:
    """What it holds, its steps, where it was shipped and who received it.

    Operators see units their site packed or scanned; other sites' steps as handovers.
    """
    story = unit_story(cur, sscc, site=principal.site)
    if story is None:
        raise ApiError(404, "not_found", f"no logistic unit {sscc}")
    return story
