"""Labels of a batch (serialised ones commission their serials), print jobs, SSCC labels."""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cloud.api.access import SiteReader, SiteWriter
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.batches import BatchId, visible_batch
from cloud.db import serials as store
from cloud.db.pool import Database
from cloud.labels import service
from cloud.labels.errors import LabelError
from cloud.labels.service import MAX_PER_JOB, MEDIA_TYPES, BatchNotFound, LabelSet, Output
from cloud.labels.symbols import Symbology

router = APIRouter(
    tags=["labels"],
    responses={
        401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The labels: a PDF sheet, a ZPL job, or one symbol as PNG or SVG",
        "content": {media: {} for media in MEDIA_TYPES.values()},
        "headers": {"X-Label-Job": {"description": "The print job (serialised labels)"}},
    }
}


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Output = Field(default=Output.PDF, description="pdf, zpl, png or svg (one label)")
    layout: str | None = Field(
        default=None, max_length=32, description="Sheet (a4-21, …) or label size (50x30, …)"
    )


class BatchLabels(_Request):
    """Labels for a batch's packs: serialised (allocated now) or copies of the lot's label."""

    symbology: Symbology = Field(default=Symbology.QR, description="qr, datamatrix or gs1_128")
    serials: int | None = Field(
        default=None, ge=1, le=MAX_PER_JOB,
        description="Allocate and commission this many serials (one label each)",
    )
    copies: int = Field(default=1, ge=1, le=MAX_PER_JOB, description="Labels without serials")


class Reprint(_Request):
    """An earlier print job's labels again: the same serials, none allocated."""


class SsccLabels(_Request):
    """GS1 logistic labels; with a batch and a count, a homogeneous pallet's content too."""

    sscc: list[str] = Field(min_length=1, max_length=1000, description="SSCCs, 18 digits")
    batch_id: int | None = Field(default=None, ge=1, le=2**62, description="Content's batch")
    count: int | None = Field(default=None, ge=1, le=99_999_999, description="Items (AI 37)")


class LabelJob(BaseModel):
    """A print job of serialised labels."""

    id: int = Field(description="Print job id")
    symbology: str = Field(description="qr, datamatrix or gs1_128")
    count: int = Field(description="Serials allocated and commissioned")
    first_serial: str = Field(description="First serial")
    last_serial: str = Field(description="Last serial")
    created_by: str | None = Field(description="Who printed")
    created_at: datetime = Field(description="When")


def _file(made: LabelSet, body: _Request, name: str) -> Response:
    try:
        content = service.write(made.labels, body.format, body.layout)
    except LabelError as err:
        raise _invalid(err) from err
    headers = {"Content-Disposition": f'attachment; filename="{name}.{body.format.value}"'}
    if made.job is not None:
        headers["X-Label-Job"] = str(made.job.id)
    return Response(content, media_type=MEDIA_TYPES[body.format], headers=headers)


def _invalid(err: LabelError) -> ApiError:
    return ApiError(422, "invalid_label", str(err), [{"field": err.field, "reason": err.message}])


def _make(work: Callable[[], LabelSet]) -> LabelSet:
    try:
        return work()
    except LabelError as err:
        raise _invalid(err) from err
    except BatchNotFound as err:
        raise ApiError(404, "not_found", str(err)) from err


@router.post(
    "/api/batches/{batch_id}/labels", summary="Print a batch's labels", responses=FILE,
    response_class=Response,
)
async def batch_labels(
    request: Request, principal: SiteWriter, batch_id: BatchId, body: BatchLabels
) -> Response:
    """Serialised labels allocate and commission their serials; checks run before any does."""
    database: Database = request.app.state.database
    base_url = request.app.state.settings.api_public_base_url
    site = principal.scope()
    if body.serials is not None:
        work = partial(
            service.serialised_labels, database, batch_id=batch_id, site=site,
            symbology=body.symbology, count=body.serials, base_url=base_url,
            created_by=principal.username,
        )
    else:
        work = partial(
            service.batch_labels, database, batch_id=batch_id, site=site,
            symbology=body.symbology, copies=body.copies, base_url=base_url,
        )
    made = await run_in_threadpool(_make, work)
    return await run_in_threadpool(_file, made, body, f"labels-batch-{batch_id}")


@router.get(
    "/api/batches/{batch_id}/label-jobs", response_model=list[LabelJob],
    summary="A batch's print jobs",
)
def label_jobs(principal: SiteReader, cur: CursorDep, batch_id: BatchId) -> list[LabelJob]:
    """Print jobs of serialised labels for the batch, newest first."""
    visible_batch(cur, principal, batch_id)
    return [LabelJob.model_validate(r) for r in store.jobs_of_batch(cur, batch_id=batch_id)]


@router.post(
    "/api/label-jobs/{job_id}/labels", summary="Print a job's labels again", responses=FILE,
    response_class=Response,
)
async def reprint(
    request: Request,
    principal: SiteWriter,
    job_id: Annotated[int, Path(ge=1, le=2**62)],
    body: Reprint,
) -> Response:
    """The same serials as the job printed (after a jam or a lost sheet)."""
    work = partial(
        service.job_labels, request.app.state.database, job_id=job_id, site=principal.scope(),
        base_url=request.app.state.settings.api_public_base_url,
    )
    made = await run_in_threadpool(_make, work)
    return await run_in_threadpool(_file, made, body, f"labels-job-{job_id}")


@router.post("/api/labels/sscc", summary="GS1 logistic labels", responses=FILE,
             response_class=Response)
async def sscc_labels(
    request: Request, principal: SiteWriter, body: SsccLabels
) -> Response:
    """(00) SSCC; with `batch_id` and `count`, (02) + (37) + (10) of a homogeneous pallet."""
    work = partial(
        service.sscc_labels, request.app.state.database, ssccs=body.sscc,
        site=principal.scope(), batch_id=body.batch_id, count=body.count,
    )
    made = await run_in_threadpool(_make, work)
    layout = body.layout or ("a4-4" if body.format is Output.PDF else "100x150")
    return await run_in_threadpool(
        _file, made, body.model_copy(update={"layout": layout}), "labels-sscc"
    )
