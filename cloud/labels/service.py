"""Label use cases shared by the API and `txng labels`: a batch's labels, serials, SSCC labels."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from cloud.db import serials as store
from cloud.db.pool import Database
from cloud.db.serials import Job, LabelFacts
from cloud.labels.errors import LabelError
from cloud.labels.label import Label, logistic_label, unit_element_string, unit_label
from cloud.labels.layouts import SHEETS, THERMAL
from cloud.labels.render import png, svg
from cloud.labels.sheet import sheet_pdf
from cloud.labels.symbols import Symbology
from cloud.labels.zpl import labels_zpl

MAX_PER_JOB = 10_000


class Output(StrEnum):
    """What a set of labels is written as."""

    PDF = "pdf"  # an A4 sheet of stickers
    ZPL = "zpl"  # a thermal printer's job
    PNG = "png"  # one symbol, 1-bit, 300 dpi
    SVG = "svg"  # one symbol, vector


MEDIA_TYPES = {
    Output.PDF: "application/pdf",
    Output.ZPL: "application/vnd.zebra-zpl",
    Output.PNG: "image/png",
    Output.SVG: "image/svg+xml",
}


class BatchNotFound(LookupError):
    """No such batch, or not one the caller may print for."""


@dataclass(frozen=True)
class LabelSet:
    """Labels made for one request, and the print job that commissioned their serials."""

    labels: list[Label]
    job: Job | None


def today_utc() -> date:
    """Today's date (for GS1's two-digit-year window)."""
    return datetime.now(UTC).date()


def batch_facts(database: Database, batch_id: int, site: str | None) -> LabelFacts:
    """What the batch's labels print; BatchNotFound if unknown or not of `site` (when given)."""
    with database.transaction() as conn, conn.cursor() as cur:
        facts = store.label_facts(cur, batch_id=batch_id, site=site)
    if facts is None:
        raise BatchNotFound(f"no batch {batch_id}")
    return facts


def batch_labels(
    database: Database,
    *,
    batch_id: int,
    site: str | None,
    symbology: Symbology,
    copies: int,
    base_url: str,
) -> LabelSet:
    """`copies` identical labels of the batch (GTIN + lot, no serial)."""
    if not 1 <= copies <= MAX_PER_JOB:
        raise LabelError("count", f"must be 1 to {MAX_PER_JOB}, not {copies}")
    facts = batch_facts(database, batch_id, site)
    label = unit_label(
        facts, serial=None, symbology=symbology, base_url=base_url, today=today_utc()
    )
    return LabelSet([label] * copies, None)


def serialised_labels(
    database: Database,
    *,
    batch_id: int,
    site: str | None,
    symbology: Symbology,
    count: int,
    base_url: str,
    created_by: str | None,
) -> LabelSet:
    """Allocate `count` serials, commission them into the batch, and make their labels.

    Every check runs before the transaction commits: data that would print an invalid label
    allocates nothing.
    """
    if not 1 <= count <= MAX_PER_JOB:
        raise LabelError("count", f"must be 1 to {MAX_PER_JOB}, not {count}")
    today = today_utc()
    with database.transaction() as conn, conn.cursor() as cur:
        facts = store.label_facts(cur, batch_id=batch_id, site=site)
        if facts is None:
            raise BatchNotFound(f"no batch {batch_id}")
        unit_element_string(facts, "1", today)  # the batch's own fields, before any allocation
        job = store.allocate(
            cur, batch_id=batch_id, gtin=facts.gtin, count=count,
            symbology=symbology.value, created_by=created_by,
        )
        # The longest serial decides whether the symbol holds the data (GS1-128: 48 chars).
        unit_label(facts, serial=job.serials[-1], symbology=symbology, base_url=base_url,
                   today=today)
    return LabelSet(_unit_labels(facts, job.serials, symbology, base_url, today), job)


def _unit_labels(
    facts: LabelFacts, serials: Sequence[str], symbology: Symbology, base_url: str, today: date
) -> list[Label]:
    return [
        unit_label(facts, serial=s, symbology=symbology, base_url=base_url, today=today)
        for s in serials
    ]


def job_labels(
    database: Database, *, job_id: int, site: str | None, base_url: str
) -> LabelSet:
    """The labels of an earlier print job again (same serials: nothing is allocated)."""
    with database.transaction() as conn, conn.cursor() as cur:
        job = store.job(cur, job_id=job_id, site=site)
        facts = store.label_facts(cur, batch_id=job.batch_id, site=site) if job else None
    if job is None or facts is None:
        raise BatchNotFound(f"no print job {job_id}")
    symbology = Symbology(job.symbology)
    return LabelSet(_unit_labels(facts, job.serials, symbology, base_url, today_utc()), job)


def sscc_labels(
    database: Database,
    *,
    ssccs: Sequence[str],
    site: str | None,
    batch_id: int | None = None,
    count: int | None = None,
) -> LabelSet:
    """GS1 logistic labels; with a batch and a count, also (02)+(37)+(10) of its content."""
    if not 1 <= len(ssccs) <= MAX_PER_JOB:
        raise LabelError("sscc", f"give 1 to {MAX_PER_JOB} SSCCs")
    facts = batch_facts(database, batch_id, site) if batch_id is not None else None
    if facts is not None and count is None:
        raise LabelError("count", "a homogeneous pallet's label needs the count of its items")
    return LabelSet([logistic_label(s, facts=facts, count=count) for s in ssccs], None)


def write(labels: Sequence[Label], output: Output, layout: str | None = None) -> bytes:
    """The labels as one file: a PDF sheet, a ZPL job, or (one label) a PNG or an SVG."""
    if output in (Output.PNG, Output.SVG):
        if len(labels) != 1 or len(labels[0].symbols) != 1:
            raise LabelError("format", f"{output.value} holds one symbol; use pdf or zpl")
        symbol = labels[0].symbols[0]
        return png(symbol) if output is Output.PNG else svg(symbol).encode()
    if output is Output.PDF:
        sheet = SHEETS.get(layout or "a4-21")
        if sheet is None:
            raise LabelError("layout", f"unknown sheet {layout!r}; one of {', '.join(SHEETS)}")
        return sheet_pdf(labels, sheet)
    thermal = THERMAL.get(layout or "50x30")
    if thermal is None:
        raise LabelError("layout", f"unknown label size {layout!r}; one of {', '.join(THERMAL)}")
    return labels_zpl(labels, thermal).encode()
