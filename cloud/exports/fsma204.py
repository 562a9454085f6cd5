"""FSMA 204-style key data elements of shipping and receiving, as a sortable CSV spreadsheet.

One row per batch (traceability lot) per shipping or receiving event. The traceability lot
code is the GS1 element string (01) GTIN (10) lot. Quantities are the batch's as master data
records them: a scan does not say how much of the lot moved.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import UTC, datetime

from cloud.db.rows.exports import KdeRow


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
