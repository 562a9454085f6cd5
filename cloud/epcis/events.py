"""Our records as EPCIS 2.0 events: Object (scans, conditions), Aggregation, Transformation."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cloud.db.rows.epcis import BatchRef, Making, Packing, Place, Scan, StayConditions
from cloud.db.rows.epcis_query import LEAVING_STEPS
from cloud.epcis.naming import Naming
from cloud.epcis.vocab import DISPOSITION_AFTER

# Namespace of the event ids of events derived from more than one record (uuid5).
_DERIVED = uuid.UUID("6c1f0d4e-5a39-4d53-9a2f-1f7e0c2b8a11")

# Batch quantity units (master data) → UN/CEFACT Rec. 20 codes that EPCIS `uom` carries.
UOM: dict[str, str] = {
    "kg": "KGM",
    "g": "GRM",
    "t": "TNE",
    "tonne": "TNE",
    "l": "LTR",
    "ml": "MLT",
    "KGM": "KGM",
    "GRM": "GRM",
    "TNE": "TNE",
    "LTR": "LTR",
    "MLT": "MLT",
}
_COUNTED = {"pcs", "pc", "piece", "pieces", "ea", "each", "unit", "units", "H87", "EA"}


def event_time(value: datetime) -> str:
    """An RFC 3339 timestamp in UTC with milliseconds (our times are kept in UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _base(kind: str, event_id: str, at: datetime) -> dict[str, Any]:
    return {
        "type": kind,
        "eventID": event_id,
        "eventTime": event_time(at),
        "eventTimeZoneOffset": "+00:00",
    }


def _where(event: dict[str, Any], naming: Naming, place: Place, step: str) -> None:
    uri = naming.location(place.site, place.code, place.gln, place.gln_extension)
    event["readPoint"] = {"id": uri}
    if step not in LEAVING_STEPS:
        event["bizLocation"] = {"id": uri}


def _why(event: dict[str, Any], step: str) -> None:
    event["bizStep"] = step
    if step in DISPOSITION_AFTER:
        event["disposition"] = DISPOSITION_AFTER[step]


def quantity_element(naming: Naming, batch: BatchRef) -> dict[str, Any]:
    """A batch as a quantityList entry (LGTIN class, with quantity when master data has it)."""
    element: dict[str, Any] = {"epcClass": naming.batch(batch.gtin, batch.lot)}
    if batch.quantity is not None and batch.unit:
        unit = batch.unit.strip()
        if unit in UOM:
            element["quantity"] = float(batch.quantity)
            element["uom"] = UOM[unit]
        elif unit in _COUNTED:
            element["quantity"] = float(batch.quantity)
    return element


def object_event(scan: Scan, naming: Naming) -> dict[str, Any] | None:
    """A scan as an ObjectEvent; None when it read nothing EPCIS can name."""
    epcs: list[str] = []
    classes: list[dict[str, Any]] = []
    if scan.sscc:
        epcs.append(naming.unit(scan.sscc))
    elif scan.gtin and scan.serial:
        epcs.append(naming.item(scan.gtin, scan.serial))
    elif scan.gtin and scan.lot:
        classes.append({"epcClass": naming.batch(scan.gtin, scan.lot)})
    elif scan.gtin:
        classes.append({"epcClass": naming.product(scan.gtin)})
    elif scan.epc_uri:
        epcs.append(scan.epc_uri)
    else:
        return None
    action = {"commissioning": "ADD", "decommissioning": "DELETE"}.get(scan.biz_step, "OBSERVE")
    event = _base("ObjectEvent", f"urn:uuid:{scan.id}", scan.time)
    event["action"] = action
    if epcs:
        event["epcList"] = epcs
    if classes:
        event["quantityList"] = classes
    _why(event, scan.biz_step)
    _where(event, naming, scan.place, scan.biz_step)
    return event


def aggregation_event(packing: Packing, naming: Naming) -> dict[str, Any]:
    """Batches packed into a logistic unit as an AggregationEvent (ADD when packing)."""
    event = _base("AggregationEvent", f"urn:uuid:{packing.id}", packing.time)
    event["parentID"] = naming.unit(packing.sscc)
    event["childQuantityList"] = [
        {"epcClass": naming.batch(gtin, lot)} for gtin, lot in packing.contents
    ]
    event["action"] = "ADD" if packing.biz_step == "packing" else "OBSERVE"
    _why(event, packing.biz_step)
    _where(event, naming, packing.place, packing.biz_step)
    return event


def transformation_event(making: Making, naming: Naming) -> dict[str, Any]:
    """A batch made from input batches as a TransformationEvent (an id per output batch)."""
    key = f"transformation:{making.output.gtin}:{making.output.lot}"
    event = _base("TransformationEvent", f"urn:uuid:{uuid.uuid5(_DERIVED, key)}", making.time)
    event["inputQuantityList"] = [quantity_element(naming, b) for b in making.inputs]
    event["outputQuantityList"] = [quantity_element(naming, making.output)]
    event["bizStep"] = "commissioning"
    event["disposition"] = "active"
    if making.place is not None:
        _where(event, naming, making.place, "commissioning")
    return event


def _decimal(value: float | Decimal) -> float:
    return round(float(value), 3)


def conditions_event(stay: StayConditions, naming: Naming, *, now: datetime) -> dict[str, Any]:
    """A batch's stay with its temperature summary as a sensor_reporting ObjectEvent.

    The event is at the stay's end (now for a stay still open) and reports min, max and mean
    over the stay (sensorMetadata startTime/endTime), in °C (`CEL`).
    """
    end = stay.end or now
    key = f"conditions:{stay.batch.gtin}:{stay.batch.lot}:{stay.place.site}:{stay.place.code}"
    key += f":{stay.start.isoformat()}"
    event = _base("ObjectEvent", f"urn:uuid:{uuid.uuid5(_DERIVED, key)}", end)
    event["action"] = "OBSERVE"
    event["quantityList"] = [{"epcClass": naming.batch(stay.batch.gtin, stay.batch.lot)}]
    event["bizStep"] = "sensor_reporting"
    _where(event, naming, stay.place, "sensor_reporting")
    event["sensorElementList"] = [
        sensor_element(stay.start, end, low=stay.min, high=stay.max, mean=stay.mean)
    ]
    return event


def sensor_element(
    start: datetime,
    end: datetime,
    *,
    low: float | None,
    high: float | None,
    mean: float | None,
) -> dict[str, Any]:
    """A sensorElement: temperature min/max/mean in °C (`CEL`) over [start, end]."""
    report: dict[str, Any] = {"type": "Temperature", "uom": "CEL"}
    if low is not None and high is not None and mean is not None:
        report.update(minValue=_decimal(low), maxValue=_decimal(high), meanValue=_decimal(mean))
    return {
        "sensorMetadata": {"startTime": event_time(start), "endTime": event_time(end)},
        "sensorReport": [report],
    }
