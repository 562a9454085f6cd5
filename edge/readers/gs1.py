"""Translate a scanned code into contract GS1 identifiers (biip does the parsing)."""

import logging
from typing import Any

from biip import ParseError, parse

from contract import Gs1Identifiers

logger = logging.getLogger(__name__)

_DATE_FIELDS = {"17": "expiry_date", "15": "best_before_date", "11": "production_date",
                "13": "pack_date"}
_TEXT_FIELDS = {"10": "lot", "21": "serial"}


def gs1_identifiers(raw: str) -> Gs1Identifiers | None:
    """The GS1 keys in a GS1-128 / DataMatrix element string or Digital Link; None if not GS1."""
    try:
        result = parse(raw)
    except ParseError:
        return None
    source = result.gs1_message or result.gs1_digital_link_uri
    if source is None:
        return None
    fields: dict[str, Any] = {}
    other: dict[str, str] = {}
    for element in source.element_strings:
        ai = element.ai.ai
        if ai == "01" and element.gtin is not None:
            fields["gtin"] = element.gtin.value.zfill(14)
        elif ai == "00":
            fields["sscc"] = element.value
        elif ai == "414":
            fields["gln"] = element.value
        elif ai in _TEXT_FIELDS:
            fields[_TEXT_FIELDS[ai]] = element.value
        elif ai in _DATE_FIELDS and element.date is not None:
            fields[_DATE_FIELDS[ai]] = element.date
        elif ai.startswith("310") and element.decimal is not None:
            fields["net_weight_kg"] = float(element.decimal)
        else:
            other[ai] = element.value
    return Gs1Identifiers(**fields, other=other)
