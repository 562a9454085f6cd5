"""A batch's story (its life as steps), a page of one step's scans, and its forwarding."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from psycopg2.extensions import cursor as Cursor

from cloud.api.access import SiteReader
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.batches import BatchId, visible_batch
from cloud.db import batches_store
from cloud.db.batch_steps_store import StepKey, scanned_at
from cloud.db.timeline_store import batch_forwarding
from cloud.trace.story import BadCursor, batch_story, step_events
from cloud.trace.story_models import StepEvents, Story
from cloud.trace.timeline import Forwarding, forwarding_summary
from contract import BizStep
from contract.topics import IDENTIFIER_PATTERN

router = APIRouter(
    prefix="/api/batches",
    tags=["batches"],
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)


def story_batch(cur: Cursor, principal: Principal, batch_id: int) -> dict[str, Any]:
    """The batch's row if the caller may read its story: made at their site or scanned there.

    (Its story then shows their site in full and the neighbouring sites as handovers.)
    """
    row = batches_store.get_batch(cur, batch_id=batch_id, site=None)
    if row is None or not (
        principal.sees(row["site_id"])
        or (principal.site is not None and scanned_at(cur, batch_id, principal.site))
    ):
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return row


@router.get("/{batch_id}/story", response_model=Story, summary="The batch's life as steps")
def get_story(principal: SiteReader, cur: CursorDep, batch_id: BatchId) -> Story:
    """Each business step at each place as one row, with its conditions and alerts inline.

    Operators see their own site's steps in full, and of the sites just before and after it
    only who they are and when the goods changed hands.
    """
    story_batch(cur, principal, batch_id)
    story = batch_story(cur, batch_id, site=principal.site)
    if story is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return story


@router.get(
    "/{batch_id}/story/events",
    response_model=StepEvents,
    summary="A page of one step's scans",
)
def get_step_events(
    principal: SiteReader,
    cur: CursorDep,
    batch_id: BatchId,
    biz_step: Annotated[BizStep, Query(description="The step's business step")],
    site: Annotated[str, Query(pattern=IDENTIFIER_PATTERN, description="The step's site")],
    location: Annotated[str, Query(pattern=IDENTIFIER_PATTERN, description="The step's place")],
    after: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9T:.+\-]{10,40}\|[0-9a-fA-F-]{32,36}$",
            description="`next` of the page before",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Scans per page")] = 50,
) -> StepEvents:
    """The step's scans in time order; another site's scans are not shown to operators."""
    story_batch(cur, principal, batch_id)
    if not principal.sees(site):
        raise ApiError(403, "forbidden", f"the scans of site {site!r} are not yours to see")
    try:
        return step_events(
            cur, batch_id, StepKey(str(biz_step), site, location), after=after, limit=limit
        )
    except BadCursor as err:
        raise ApiError(422, "invalid", str(err), [{"field": "after", "reason": str(err)}]) from err


@router.get(
    "/{batch_id}/forwarding", response_model=Forwarding, summary="Delivery of the batch's events"
)
def get_forwarding(principal: SiteReader, cur: CursorDep, batch_id: BatchId) -> Forwarding:
    """Per destination: how many of the batch's events were sent, wait, are parked or skipped.

    An operator's count is of their own site's events.
    """
    visible_batch(cur, principal, batch_id)
    return forwarding_summary(batch_forwarding(cur, batch_id, site=principal.site))
