"""Make a cold-chain report (the use case the API and `txng report` share)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from cloud.db.pool import Database
from cloud.db.readings_raw import readings_of
from cloud.local_time import LOCAL_TIME
from cloud.reports import shipments
from cloud.reports.assemble import assemble
from cloud.reports.model import Report
from cloud.reports.pdf import report_pdf
from cloud.reports.scope import (
    BatchReport,
    Request,
    ShipmentReport,
    StayReport,
    resolve,
)
from cloud.reports.seen import seen_from
from cloud.reports.shipments import Shipment
from cloud.reports.tables import readings_csv, report_xlsx
from cloud.reports.texts import Language, Texts

Format = Literal["pdf", "xlsx", "csv"]
FORMATS: Final = ("pdf", "xlsx", "csv")  # as cli_args.FORMATS
MEDIA_TYPES: Final[dict[str, str]] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Document:
    """A rendered report: its bytes, a file name, a media type, and what it was made from."""

    content: bytes
    filename: str
    media_type: str
    report: Report
    readings_listed: int | None  # XLSX and CSV: how many readings the file lists


def report_name(report: Report) -> str:
    """A short name for the report (file names, page footers)."""
    if report.kind == "shipment":
        departed = report.start.astimezone(LOCAL_TIME) if report.start else None
        return f"SSCC {report.sscc} {departed:%Y%m%d-%H%M}" if departed else f"SSCC {report.sscc}"
    batch = report.batches[0]
    name = f"{batch.gtin} {batch.lot}"
    if report.kind == "stay" and report.stays and report.start is not None:
        name += f" {report.stays[0].span.location} {report.start.astimezone(LOCAL_TIME):%Y%m%d}"
    return name


def _filename(report: Report, fmt: Format, language: Language) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", report_name(report)).strip("-")
    return f"txng-{report.kind}-{slug}-{language}.{fmt}"


def make_report(
    database: Database,
    request: Request,
    *,
    fmt: Format,
    language: Language,
    now: datetime | None = None,
    site: str | None = None,
) -> Document:
    """The report asked for, in one consistent snapshot; NotFound, Ambiguous or ReportError.

    `site`: as an operator of that site sees it (its own part, the other sites' handovers).
    """
    texts = Texts(language)
    listed = None
    with database.transaction() as conn:
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            scope = resolve(cur, request, site=site)
            if site is not None:
                scope = seen_from(scope, site)
            report = assemble(cur, scope, now=now or datetime.now(UTC))
        if fmt == "csv":
            content, listed = readings_csv(
                readings_of(conn, report.spans, report.quantity), report.quantity
            )
        elif fmt == "xlsx":
            content, listed = report_xlsx(
                report, readings_of(conn, report.spans, report.quantity), texts
            )
    if fmt == "pdf":
        content = report_pdf(report, texts, name=report_name(report))
    return Document(content, _filename(report, fmt, language), MEDIA_TYPES[fmt], report, listed)


def unit_shipments(database: Database, sscc: str) -> list[Shipment]:
    """The unit's shipments, oldest first (none: an unknown unit, or one that never left)."""
    with database.transaction() as conn, conn.cursor() as cur:
        return shipments.unit_shipments(cur, sscc)


__all__ = [
    "FORMATS",
    "BatchReport",
    "Document",
    "Format",
    "ShipmentReport",
    "StayReport",
    "make_report",
    "unit_shipments",
]
