"""Translate a scanned code into contract GS1 identifiers (biip does the parsing)."""

import logging
from typing import Any

from biip import ParseError, ParseResult, parse
from pydantic import ValidationError

from contract import Gs1Identifiers

logger = logging.getLogger(__name__)

_DATE_FIELDS = {"17": "expiry_date", "15": "best_before_date", "11": "production_date",
                "13": "pack_date"}
_TEXT_FIELDS = {"10": "lot", "21": "serial"}
_URL_PREFIXES = ("http://", "https://", "HTTP://", "HTTPS://")


def _parse(raw: str) -> ParseResult | None:
    try:
        return parse(raw)
    except ParseError:
        return None
    except (IndexError, KeyError, ValueError):  # biip on some malformed input (e.g. "]")
        logger.debug("biip failed on %r", raw, exc_info=True)
        return None


def _parse_code(raw: str) -> ParseResult | None:
    """The parse of a scanned code (by biip), a Digital Link behind an AIM identifier too."""
    result = _parse(raw)
    if result is not None and result.gs1_message is None and result.gs1_digital_link_uri is None:
        # biip reads a Digital Link only without the QR symbology identifier in front of it
        body = raw[3:] if raw.startswith("]") else raw
        if body.startswith(_URL_PREFIXES):
            result = _parse(body)
    return result


def validates(raw: str) -> bool:
    """Whether `raw` is GS1 data whose keys pass their check digits (and dates exist)."""
    result = _parse_code(raw)
    if result is None:
        return False
    source = result.gs1_message or result.gs1_digital_link_uri
    if source is None:
        return result.gtin is not None
    return all(
        e.gtin_error is None and e.gln_error is None and e.sscc_error is None
        for e in source.element_strings
    )


def gs1_identifiers(raw: str) -> Gs1Identifiers | None:
    """The GS1 keys in an element string, Digital Link or GTIN; None if not (valid) GS1.

    `raw` may start with an AIM symbology identifier (`]C1`, `]d2`, `]Q3`, `]E0`, …). A code
    whose GTIN fails its check digit is not GS1 here: the scan keeps it raw, flagged by `None`.
    """
    result = _parse_code(raw)
    if result is None:
        return None
    source = result.gs1_message or result.gs1_digital_link_uri
    if source is None:
        if result.gtin is not None:  # EAN-13 / UPC-A / EAN-8 / ITF-14: a bare GTIN
            return Gs1Identifiers(gtin=result.gtin.value.zfill(14))
        return None
    fields: dict[str, Any] = {}
    other: dict[str, str] = {}
    for element in source.element_strings:
        ai = element.ai.ai
        if ai == "01":
            if element.gtin is None:
                logger.debug("GTIN %s fails its check digit", element.value)
                return None
            fields["gtin"] = element.gtin.value.zfill(14)
        elif ai == "00":
            if element.sscc is None:
                return None
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
    try:
        return Gs1Identifiers(**fields, other=other)
    except ValidationError as err:  # e.g. a lot outside the contract's character set
        logger.debug("GS1 code %r does not fit the contract: %s", raw, err)
        return None
