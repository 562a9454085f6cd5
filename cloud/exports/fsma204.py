"""FSMA 204-style key data elements of shipping and receiving, as a sortable CSV spreadsheet.

One row per batch (traceability lot) per shipping or receiving event. The traceability lot
code is the GS1 element string (01) GTIN (10) lot. Quantities are the batch's as master data
records them: a scan does not say how much of the lot moved.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal

CTE = {"shipping": "Shipping", "receiving": "Receiving"}


@dataclass(frozen=True)
class KdeRow:
    """One critical tracking event of one lot, with its key data elements."""

    cte: str  # Shipping / Receiving
    event_time: datetime
    traceability_lot_code: str
    gtin: str
    lot: str
    product_description: str | None
    batch_quantity: Decimal | None
    batch_unit: str | None
    location_site: str | None
    location_code: str | None
    location_name: str | None
    location_gln: str | None
    location_uri: str | None  # partners' events: the EPCIS bizLocation or readPoint
    logistic_unit_sscc: str | None
    tlc_source_site: str | None
    tlc_source_origin: str | None
    reference: str  # our event's urn:uuid or the partner's eventID
    data_source: str  # txng or epcis (captured)
    asserted_by: str  # site (ours, or captured and the site's own) or partner


def tlc(gtin: str, lot: str) -> str:
    """The traceability lot code as a GS1 element string in human-readable form."""
    return f"(01){gtin}(10){lot}"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    text = str(value)
    # Keep spreadsheets from running cell content as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def kde_csv(rows: Sequence[KdeRow]) -> str:
    """The rows as CSV with a header, sorted by time, lot code and reference."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [f.name for f in fields(KdeRow)]
    writer.writerow(header)
    ordered = sorted(rows, key=lambda r: (r.event_time, r.traceability_lot_code, r.reference))
    for row in ordered:
        writer.writerow([_cell(v) for v in astuple(row)])
    return out.getvalue()
