"""A recall as CSV for the recall notice: one row per batch, unit, shipment, receiver and place."""

import csv
import io
from datetime import datetime

from cloud.trace.recall_models import Recall

COLUMNS = (
    "record",
    "direction",
    "hop",
    "gtin",
    "lot",
    "product",
    "serials",
    "sscc",
    "site",
    "site_name",
    "location",
    "location_name",
    "from_time",
    "to_time",
    "to_site",
    "to_site_name",
)


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def recall_rows(found: Recall) -> list[dict[str, object]]:
    """The recall's rows, each a dict of COLUMNS (missing: empty)."""
    rows: list[dict[str, object]] = []
    lots = {b.id: b for b in found.batches}
    for b in found.batches:
        rows.append(
            {
                "record": "batch",
                "direction": b.direction,
                "hop": b.hop,
                "gtin": b.gtin,
                "lot": b.lot,
                "product": b.product_name,
                "serials": b.serials,
                "site": b.site_id,
            }
        )
    for u in found.units:
        batch = lots.get(u.batch_id)
        rows.append(
            {
                "record": "unit",
                "direction": u.direction,
                "gtin": batch.gtin if batch else None,
                "lot": batch.lot if batch else None,
                "sscc": u.sscc,
                "site": u.site_id,
                "from_time": _time(u.packed_at),
            }
        )
    for s in found.shipments:
        rows.append(
            {
                "record": "shipment",
                "direction": "forward",
                "site": s.site_id,
                "location": s.location,
                "from_time": _time(s.first_time),
                "to_time": _time(s.arrived_at),
                "to_site": s.to_site,
                "to_site_name": s.to_site_name,
            }
        )
    for r in found.receivers:
        rows.append(
            {
                "record": "receiver",
                "direction": "forward",
                "site": r.site_id,
                "site_name": r.site_name,
                "from_time": _time(r.first_time),
            }
        )
    for p in found.places:
        rows.append(
            {
                "record": "place",
                "direction": p.direction,
                "site": p.site_id,
                "site_name": p.site_name,
                "location": p.location,
                "location_name": p.location_name,
                "from_time": _time(p.first_time),
                "to_time": _time(p.last_time),
            }
        )
    return rows


def recall_csv(found: Recall) -> str:
    """The recall as CSV text (UTF-8, header row, times in ISO 8601 UTC)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in recall_rows(found):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
