"""Export values: FSMA 204-style key data elements of one lot's shipping or receiving."""

from dataclasses import dataclass
from datetime import datetime
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
