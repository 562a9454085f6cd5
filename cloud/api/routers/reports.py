"""Cold-chain reports: a batch's (or one stay's) and a logistic unit's shipment, as files."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep, DatabaseDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.routers.batches import BatchId, visible_batch
from cloud.db.pool import Database
from cloud.local_time import LOCAL_TIME
from cloud.reports.errors import Ambiguous, NotFound, ReportError
from cloud.reports.scope import BatchReport, Request, ShipmentReport, StayReport
from cloud.reports.service import MEDIA_TYPES, Format, make_report, unit_shipments
from cloud.reports.shipments import Shipment
from cloud.reports.texts import Language

router = APIRouter(
    prefix="/api",
    tags=["reports"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

Sscc = Annotated[str, Path(pattern=r"^\d{18}$", description="SSCC of the logistic unit")]
FormatQuery = Annotated[Format, Query(description="pdf (the report), xlsx or csv (readings)")]
LanguageQuery = Annotated[Language, Query(description="Language of the report: vi or en")]
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as a file (Content-Disposition names it)",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    },
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    503: {"model": ErrorBody},
}


def _local(at: datetime | None) -> datetime | None:
    """A time without an offset is Vietnam time."""
    return at.replace(tzinfo=LOCAL_TIME) if at is not None and at.tzinfo is None else at


def _file(
    database: Database, principal: Principal, request: Request, fmt: Format, language: Language
) -> Response:
    try:
        document = make_report(
            database, request, fmt=fmt, language=language, site=principal.scope()
        )
    except NotFound as err:
        raise ApiError(404, "not_found", str(err)) from err
    except Ambiguous as err:
        raise ApiError(409, "conflict", f"{err}: choose one with ?profile=") from err
    except ReportError as err:
        raise ApiError(503, "unavailable", str(err)) from err
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "X-Report-Verdict": document.report.verdict.status,
        },
    )


@router.get(
    "/batches/{batch_id}/report",
    response_class=Response,
    summary="The batch's cold-chain report (or one stay's)",
    responses=_FILES,
)
def batch_report(
    principal: SiteReader,
    cur: CursorDep,
    database: DatabaseDep,
    batch_id: BatchId,
    format: FormatQuery = "pdf",
    lang: LanguageQuery = "vi",
    location: Annotated[
        str | None, Query(max_length=64, description="Only the stay at this location (with at)")
    ] = None,
    at: Annotated[
        datetime | None, Query(description="A time within that stay (no offset: UTC+07:00)")
    ] = None,
    site: Annotated[str | None, Query(max_length=64, description="The stay's site")] = None,
) -> Response:
    """Profile, figures, chart, excursions, alerts, sensors, chain references and a verdict.

    An operator's report covers their own site's part; of other sites only the handovers.
    """
    visible_batch(cur, principal, batch_id)
    if (location is None) != (at is None):
        raise ApiError(422, "invalid_request", "location and at go together (one stay)")
    request: Request = BatchReport(batch_id)
    if location is not None and at is not None:
        request = StayReport(batch_id, location, _local(at) or at, site)
    return _file(database, principal, request, format, lang)


class ShipmentOut(BaseModel):
    """A unit's journey between two sites, derived from its stays."""

    sscc: str = Field(description="SSCC of the unit")
    from_site: str = Field(description="Site it left")
    to_site: str | None = Field(description="Site it arrived at (null: still in transit)")
    departed: datetime = Field(description="When its stay at the origin ended (shipping)")
    arrived: datetime | None = Field(description="When its stay at the destination began")
    legs: int = Field(description="Stays on vehicles in between")


def _visible(principal: Principal, shipments: list[Shipment]) -> list[Shipment]:
    return [s for s in shipments if principal.sees(s.from_site) or principal.sees(s.to_site)]


@router.get(
    "/units/{sscc}/shipments",
    response_model=list[ShipmentOut],
    summary="A logistic unit's shipments",
    responses={404: {"model": ErrorBody}},
)
def list_shipments(principal: SiteReader, database: DatabaseDep, sscc: Sscc) -> list[ShipmentOut]:
    """Oldest first; operators see the shipments from or to their site."""
    shipments = _visible(principal, unit_shipments(database, sscc))
    if not shipments:
        raise ApiError(404, "not_found", f"no shipment of unit {sscc}")
    return [
        ShipmentOut(
            sscc=s.sscc,
            from_site=s.from_site,
            to_site=s.to_site,
            departed=s.departed,
            arrived=s.arrived,
            legs=len(s.legs),
        )
        for s in shipments
    ]


@router.get(
    "/units/{sscc}/report",
    response_class=Response,
    summary="A shipment's cold-chain report",
    responses=_FILES,
)
def shipment_report(
    principal: SiteReader,
    database: DatabaseDep,
    sscc: Sscc,
    format: FormatQuery = "pdf",
    lang: LanguageQuery = "vi",
    departed: Annotated[
        datetime | None, Query(description="Which shipment (default: the latest one)")
    ] = None,
    profile: Annotated[
        str | None, Query(max_length=64, description="Profile to judge by if contents differ")
    ] = None,
) -> Response:
    """The unit's journey between two sites: its legs' readings, excursions, alerts, verdict.

    An operator's report shows their own site's legs and events; of the other site only the
    handover.
    """
    shipments = _visible(principal, unit_shipments(database, sscc))
    wanted = _local(departed)
    chosen = [s for s in shipments if wanted is None or s.departed == wanted]
    if not chosen:
        raise ApiError(404, "not_found", f"no shipment of unit {sscc} to show")
    request = ShipmentReport(sscc, chosen[-1].departed, profile)
    return _file(database, principal, request, format, lang)
