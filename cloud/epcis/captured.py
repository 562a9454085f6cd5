"""What we index of a captured EPCIS event: time, why, where, and the keys of what it names."""

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cloud.db.rows.epcis_query import CapturedEvent, Gs1Key
from cloud.epcis.identifiers import canonical_key, parse_identifier
from cloud.epcis.vocab import bare_value

INSTANCE_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
CLASS_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _instances(event: dict[str, Any]) -> Iterator[str]:
    for name in INSTANCE_LISTS:
        yield from (v for v in event.get(name) or [] if isinstance(v, str))
    if isinstance(event.get("parentID"), str):
        yield event["parentID"]


def _classes(event: dict[str, Any], names: tuple[str, ...] = CLASS_LISTS) -> Iterator[str]:
    for name in names:
        for element in event.get(name) or []:
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                yield element["epcClass"]


def _place(event: dict[str, Any], name: str) -> str | None:
    value = event.get(name)
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return canonical_key(value["id"])
    return None


def _lots(uris: Iterator[str]) -> list[tuple[str, str]]:
    keys = [parse_identifier(u) for u in uris]
    return [(k.key, k.qualifier) for k in keys if k and k.kind == "lgtin" and k.qualifier]


def _add(keys: list[str], key: Gs1Key | None, uri: str) -> None:
    keys.append(key.canonical if key else uri)
    if key and key.kind in ("sgtin", "lgtin"):
        keys.append(f"gtin:{key.key}")  # so a GTIN pattern (idpat) matches it too


def describe(event: dict[str, Any]) -> CapturedEvent:
    """The index of a schema- and semantics-valid event."""
    epc_keys: list[str] = []
    items, units = [], []
    for uri in _instances(event):
        key = parse_identifier(uri)
        _add(epc_keys, key, uri)
        if key and key.kind == "sgtin" and key.qualifier:
            items.append((key.key, key.qualifier))
        elif key and key.kind == "sscc":
            units.append(key.key)
    class_keys: list[str] = []
    for uri in _classes(event):
        _add(class_keys, parse_identifier(uri), uri)
    made = []
    if event.get("type") == "TransformationEvent":
        inputs = _lots(_classes(event, ("inputQuantityList",)))
        outputs = _lots(_classes(event, ("outputQuantityList",)))
        made = [(out, inp) for out in outputs for inp in inputs if out != inp]
    step, disposition = event.get("bizStep"), event.get("disposition")
    return CapturedEvent(
        event_id=event.get("eventID"),
        digest=hashlib.sha256(
            json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).digest(),
        event_type=str(event["type"]),
        event_time=datetime.fromisoformat(str(event["eventTime"]).replace("z", "Z")),
        action=event.get("action"),
        biz_step=bare_value("bizStep", step) if isinstance(step, str) else None,
        disposition=bare_value("disposition", disposition)
        if isinstance(disposition, str)
        else None,
        read_point=_place(event, "readPoint"),
        biz_location=_place(event, "bizLocation"),
        epc_keys=sorted(set(epc_keys)),
        class_keys=sorted(set(class_keys)),
        lots=sorted(set(_lots(_classes(event)))),
        items=sorted(set(items)),
        units=sorted(set(units)),
        made=sorted(set(made)),
    )
