"""Completeness of traceability data against Circular 02/2024's minimum data elements."""

from dataclasses import dataclass
from typing import Any

# (code, what the Circular asks for), in the Circular's order.
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("product_name", "Product name"),
    ("product_image", "Product image"),
    ("producer", "Producer name and address"),
    ("stages", "Production stages (events)"),
    ("product_trace_code", "Product trace code on each stage (GTIN + lot or serial)"),
    ("location_trace_code", "Location trace code on each stage (registered location, GLN)"),
    ("event_time", "Event time on each stage"),
    ("production_time", "Production/trading time of each batch"),
    ("traceability_code", "The product's traceability code (valid GTIN)"),
    ("shelf_life", "Shelf life (or expiry date of each batch)"),
    ("serial", "Serial numbers, where the product is serialised"),
    ("standards", "Standards applied"),
)


@dataclass(frozen=True)
class Check:
    """One element: present or not, and what is missing."""

    code: str
    label: str
    present: bool
    detail: str | None = None


def _checks(row: dict[str, Any]) -> dict[str, tuple[bool, str | None]]:
    known = row["product_name"] is not None
    events, places = row["events"], row["places"]
    producer_missing = [
        name
        for name, key in (("name", "producer_name"), ("address", "producer_address"))
        if not row[key]
    ]
    location_note = None
    if row["unregistered"]:
        location_note = f"{row['unregistered']} of {places} places are not registered locations"
    elif row["no_gln"]:
        location_note = f"{row['no_gln']} of {places} places have a local code but no GLN"
    return {
        "product_name": (known, None if known else "product is not in master data"),
        "product_image": (bool(row["image_url"]), None if row["image_url"] else "no image URL"),
        "producer": (
            not producer_missing,
            f"producer {' and '.join(producer_missing)} missing" if producer_missing else None,
        ),
        "stages": (events > 0, None if events else "no scan events recorded at this site"),
        "product_trace_code": (
            events > 0 and row["no_lot"] == 0,
            f"{row['no_lot']} of {events} events carry a GTIN without lot or serial"
            if row["no_lot"]
            else None,
        ),
        "location_trace_code": (events > 0 and row["unregistered"] == 0, location_note),
        "event_time": (events > 0, None if events else "no events"),
        "production_time": (
            row["batches"] > 0 and row["undated"] == 0,
            f"{row['undated']} of {row['batches']} batches have no production or pack date"
            if row["undated"]
            else (None if row["batches"] else "no batches in master data"),
        ),
        "traceability_code": (known, None if known else "GTIN not registered as a product"),
        "shelf_life": (
            bool(row["shelf_life_days"]) or (row["batches"] > 0 and row["no_expiry"] == 0),
            None
            if row["shelf_life_days"] or (row["batches"] and not row["no_expiry"])
            else "no shelf life on the product and batches without expiry date",
        ),
        "serial": (
            not row["serialised"] or row["serials"] > 0,
            "serialised product without commissioned serials"
            if row["serialised"] and not row["serials"]
            else None,
        ),
        "standards": (bool(row["standards"]), None if row["standards"] else "no standards given"),
    }


def assess(row: dict[str, Any]) -> list[Check]:
    """Every element for one site and product (a row of batches_store.completeness)."""
    checks = _checks(row)
    return [Check(code, label, *checks[code]) for code, label in ELEMENTS]
