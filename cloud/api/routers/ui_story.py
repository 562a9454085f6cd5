"""The web UI's story pages: a batch as steps, a logistic unit, and recall."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from cloud.api.access import SitePage
from cloud.api.chart import temperature_svg
from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError
from cloud.api.routers.batches import Batch
from cloud.api.routers.recall import csv_url as recall_csv_url
from cloud.api.routers.story import story_batch
from cloud.api.ui_support import render
from cloud.db import batches_store, excursions_store, serials
from cloud.labels.layouts import SHEETS, THERMAL
from cloud.labels.service import MAX_PER_JOB
from cloud.labels.symbols import Symbology
from cloud.trace.recall_service import RecallNotFound, parse_start, recall
from cloud.trace.story import story_and_series
from cloud.trace.unit_story import unit_story

router = APIRouter(tags=["web UI"], include_in_schema=False)
LABEL_OPTIONS = {
    "symbologies": tuple(s.value for s in Symbology),
    "sheets": list(SHEETS),
    "rolls": list(THERMAL),
    "max": MAX_PER_JOB,
}


@router.get("/ui/batches/{batch_id}", response_model=None)
def batch_page(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    batch_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    """One batch: header, temperature chart, its story as steps, one step back and forward."""
    try:
        row = story_batch(cur, principal, batch_id)
    except ApiError:
        return render(request, "not_found.html", status_code=404, user=principal)
    found = story_and_series(cur, batch_id, site=principal.site, points=300)
    if found is None:
        return render(request, "not_found.html", status_code=404, user=principal)
    story, series = found
    band = batches_store.batch_band(cur, batch_id=batch_id)
    excursions = [
        e
        for e in excursions_store.batch_excursions(cur, batch_id=batch_id)
        if principal.sees(e["site_id"])
    ]
    chart = temperature_svg(
        series,
        low=band["min_value"] if band else None,
        high=band["max_value"] if band else None,
        excursions=excursions,
        label="temperature",
    )
    return render(
        request,
        "batch.html",
        user=principal,
        batch=Batch.model_validate(row),
        story=story,
        band=band,
        excursions=excursions,
        chart=chart,
        label_jobs=serials.jobs_of_batch(cur, batch_id=batch_id) if principal.can_write else [],
        label_options=LABEL_OPTIONS,
    )


@router.get("/ui/units/{sscc}", response_model=None)
def unit_page(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    sscc: Annotated[str, Path(pattern=r"^\d{18}$")],
) -> Response:
    """A pallet or case: what it holds, its steps, where it was shipped, who received it."""
    unit = unit_story(cur, sscc, site=principal.site)
    if unit is None:
        return render(request, "not_found.html", status_code=404, user=principal)
    return render(request, "unit.html", user=principal, unit=unit)


@router.get("/ui/recall", response_model=None)
def recall_page(
    request: Request,
    principal: SitePage,
    cur: CursorDep,
    kind: Annotated[Literal["batch", "sscc", "serial"] | None, Query()] = None,
    gtin: Annotated[str | None, Query(max_length=14)] = None,
    lot: Annotated[str | None, Query(max_length=20)] = None,
    sscc: Annotated[str | None, Query(max_length=18)] = None,
    serial: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A form for the start (batch, SSCC or serial) and what the recall concerns."""
    form = {"kind": kind or "batch", "gtin": gtin, "lot": lot, "sscc": sscc, "serial": serial}
    found, error, csv_url = None, None, None
    if kind is not None:
        try:
            given = {"batch": (gtin, lot), "sscc": (sscc,), "serial": (gtin, serial)}[kind]
            start = parse_start(kind, [code.strip() for code in given if code and code.strip()])
            found = recall(cur, start, site=principal.site)
            csv_url = recall_csv_url(start)
        except (ValueError, RecallNotFound) as err:
            error = str(err)
    return render(
        request,
        "recall.html",
        user=principal,
        form=form,
        found=found,
        error=error,
        csv_url=csv_url,
    )
