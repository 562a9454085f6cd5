"""Request bodies from our data, with the portal's field names; missing data named first."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cloud.db.readings_query import StaySummary
from cloud.forward.errors import MissingData
from cloud.forward.portal.gtin import portal_gtin
from cloud.forward.portal.settings import PortalMapping

_NET_CONTENT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([^\d\s].*?)\s*$")


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _named(names: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Our values under the portal's names; values that are None are left out."""
    return {names[k]: _json(v) for k, v in values.items() if v is not None and k in names}


def net_content(value: str | None) -> tuple[float, str]:
    """(amount, unit) from a product's net content such as "500 g" (MissingData if unusable)."""
    match = _NET_CONTENT.match(value or "")
    if not match:
        raise MissingData("net_content", f"net_content {value!r}: need an amount and a unit")
    return float(match[1].replace(",", ".")), match[2]


def product_body(
    mapping: PortalMapping, product: Mapping[str, Any] | None, gtin: str
) -> dict[str, Any]:
    """A product registration: GTIN, name, ≥1 image, net weight and unit, product group."""
    if product is None:
        raise MissingData("product", f"product {gtin} is not in master data")
    code = portal_gtin(product.get("gtin") or gtin)
    for required in ("name", "image_url", "product_group"):
        if not str(product.get(required) or "").strip():
            raise MissingData(required, f"product {gtin}: missing {required}")
    amount, unit = net_content(product.get("net_content"))
    images = [url.strip() for url in str(product["image_url"]).split() if url.strip()]
    group = str(product["product_group"])
    body = _named(
        mapping.fields.product,
        {
            "gtin": code,
            "name": product["name"],
            "images": images,
            "net_weight": amount,
            "unit": mapping.units.get(unit, unit),
            "group": mapping.product_groups.get(group, group),
            "producer_name": product.get("producer_name"),
            "producer_address": product.get("producer_address"),
            "producer_gln": (product.get("producer_gln") or "").strip() or None,
            "standards": product.get("standards"),
            "shelf_life_days": product.get("shelf_life_days"),
        },
    )
    body[mapping.fields.client_reference] = code
    return body


def order_body(
    mapping: PortalMapping, batch: Mapping[str, Any], *, product_id: str, reference: str
) -> dict[str, Any]:
    """A production order (LENH_SAN_XUAT) for one batch."""
    if not batch.get("lot"):
        raise MissingData("lot")
    body = _named(
        mapping.fields.order,
        {
            "product_id": product_id,
            "lot": batch["lot"],
            "production_date": batch.get("production_date"),
            "expiry_date": batch.get("expiry_date"),
            "quantity": batch.get("quantity"),
            "unit": mapping.units.get(batch.get("unit") or "", batch.get("unit")),
            "growing_area": batch.get("origin_code"),
        },
    )
    body[mapping.fields.client_reference] = reference
    return body


def chain_body(
    mapping: PortalMapping,
    batch: Mapping[str, Any],
    *,
    order_id: str,
    product_id: str,
    reference: str,
) -> dict[str, Any]:
    """A production chain (CHUOI_SAN_XUAT) for one batch; its id is the trace code."""
    body = _named(
        mapping.fields.chain, {"order_id": order_id, "product_id": product_id, "lot": batch["lot"]}
    )
    body[mapping.fields.client_reference] = reference
    return body


def location_trace_code(event: Mapping[str, Any], location: Mapping[str, Any] | None) -> str:
    """The location's trace code: its GLN (+ extension), else site:code."""
    gln = ((location or {}).get("gln") or "").strip()
    if gln:
        extension = (location or {}).get("gln_extension")
        return f"{gln}.{extension}" if extension else gln
    return f"{event['site']}:{event['location']}"


def cold_chain(mapping: PortalMapping, summary: StaySummary) -> dict[str, Any]:
    """The temperature summary of a stay (min, max, mean, MKT, time out of range)."""
    return _named(
        mapping.fields.cold_chain,
        {
            "count": summary.count,
            "min": summary.min,
            "max": summary.max,
            "mean": round(summary.mean, 3) if summary.mean is not None else None,
            "mkt": round(summary.mkt, 3) if summary.mkt is not None else None,
            "out_of_range_s": summary.out_of_range_s,
            "start": summary.stay.start,
            "end": summary.stay.end,
        },
    )


def event_body(
    mapping: PortalMapping,
    event: Mapping[str, Any],
    location: Mapping[str, Any] | None,
    batch: Mapping[str, Any],
    *,
    stage: str,
    order_id: str,
    trace_code: str,
    reference: str,
    summary: StaySummary | None,
) -> dict[str, Any]:
    """A stage event carrying the production order id and the chain's trace code."""
    if not event.get("time"):
        raise MissingData("time")
    values: dict[str, Any] = {
        "order_id": order_id,
        "trace_code": trace_code,
        "stage": stage,
        "time": event["time"],
        "product_trace_code": f"(01){batch['gtin']}(10){batch['lot']}",
        "location_trace_code": location_trace_code(event, location),
        "location_name": (location or {}).get("name"),
        "party_name": (location or {}).get("site_name"),
        "party_gln": (location or {}).get("site_gln"),
    }
    if summary is not None and stage in mapping.cold_chain_stages:
        values["cold_chain"] = cold_chain(mapping, summary)
    body = _named(mapping.fields.event, values)
    body[mapping.fields.client_reference] = reference
    return body


def growing_area_body(
    mapping: PortalMapping,
    code: str,
    plot: Mapping[str, Any] | None,
    product: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """A growing area (VUNG_TRONG): its code, the farm plot that has it, and its producer."""
    plot, product = plot or {}, product or {}
    name = plot.get("name") or f"{product.get('producer_name') or ''} {code}".strip()
    body = _named(
        mapping.fields.growing_area,
        {
            "code": code,
            "name": name,
            "producer_name": plot.get("site_name") or product.get("producer_name"),
            "producer_gln": plot.get("site_gln") or product.get("producer_gln"),
            "address": plot.get("site_address") or product.get("producer_address"),
            "gln": plot.get("gln"),
            "latitude": plot.get("latitude"),
            "longitude": plot.get("longitude"),
        },
    )
    body[mapping.fields.client_reference] = code
    return body


def location_body(
    mapping: PortalMapping, event: Mapping[str, Any], location: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A location (DIA_DIEM) under its trace code, with the party (site) it belongs to."""
    if location is None or not location.get("kind"):
        raise MissingData("location", f"location {event['site']}/{event['location']} unknown")
    code = location_trace_code(event, location)
    kind = str(location["kind"])
    body = _named(
        mapping.fields.location,
        {
            "trace_code": code,
            "name": location.get("name") or str(event["location"]),
            "kind": mapping.location_kinds.get(kind, kind),
            "gln": location.get("gln"),
            "party_name": location.get("site_name") or str(event["site"]),
            "party_gln": location.get("site_gln"),
            "address": location.get("site_address"),
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
        },
    )
    body[mapping.fields.client_reference] = code
    return body


def certification_body(
    mapping: PortalMapping,
    certificate: Mapping[str, Any],
    batch: Mapping[str, Any],
    *,
    order_id: str,
    trace_code: str,
    reference: str,
) -> dict[str, Any]:
    """A certification stage event (CHUNG_NHAN) of a batch: the certificate it was made under."""
    when = certificate.get("issued_on") or batch.get("production_date")
    if not when:
        raise MissingData("issued_on", f"certificate {certificate['id']}: no date")
    values = {
        "order_id": order_id,
        "trace_code": trace_code,
        "stage": "CHUNG_NHAN",
        "time": when,
        "product_trace_code": f"(01){batch['gtin']}(10){batch['lot']}",
        "certificate": _named(
            mapping.fields.certificate,
            {
                "kind": certificate["kind"],
                "number": certificate["number"],
                "issuer": certificate["issuer"],
                "issued_on": certificate.get("issued_on"),
                "valid_until": certificate.get("valid_until"),
                "image": certificate.get("image_url"),
            },
        ),
    }
    body = _named(mapping.fields.event, values)
    body[mapping.fields.client_reference] = reference
    return body


def image_body(
    mapping: PortalMapping, photo: Mapping[str, Any], *, event_id: str, stage: str, reference: str
) -> dict[str, Any]:
    """An evidence image (ANH_MINH_CHUNG) of a stage event."""
    body = _named(
        mapping.fields.image,
        {
            "event_id": event_id,
            "stage": stage,
            "url": photo["image_url"],
            "caption": photo.get("caption"),
            "time": photo.get("taken_at"),
        },
    )
    body[mapping.fields.client_reference] = reference
    return body
