"""GS1 keys as EPC URIs (EPC TDS 2.x) and back; Digital Link URIs; canonical keys for matching.

A canonical key names what an identifier names, whatever its form (EPC URN or GS1 Digital
Link): `sgtin:<gtin14>:<serial>`, `sscc:<sscc18>`, `lgtin:<gtin14>:<lot>`, `gtin:<gtin14>`,
`sgln:<gln13>:<extension>`; any other identifier is its own key.
"""

import re
from urllib.parse import quote, unquote, urlsplit

from cloud.db.rows.epcis_query import Gs1Key

# Characters of GS1 AI encodable set 82 that TDS escapes in EPC URIs.
_URI_SAFE = "!'()*+,-.:;=_"
_PRIMARY_AIS = ("01", "00", "414")


class IdentifierError(ValueError):
    """A GS1 key that cannot be expressed as asked (wrong length, check digit, prefix)."""


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of `digits` (the key without its check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _escape(value: str) -> str:
    return quote(value, safe=_URI_SAFE)


def _split(key: str, prefix_length: int, *, lead: bool) -> tuple[str, str]:
    """(company prefix, reference) of a key without its check digit; `lead`: GTIN/SSCC style."""
    if not 6 <= prefix_length <= 12:
        raise IdentifierError(f"company prefix length {prefix_length} is not within 6..12")
    body = key[:-1]
    if lead:
        return body[1 : 1 + prefix_length], body[0] + body[1 + prefix_length :]
    return body[:prefix_length], body[prefix_length:]


def _require(key: str, length: int, what: str) -> None:
    if len(key) != length or not key.isdigit():
        raise IdentifierError(f"{what} {key!r} is not {length} digits")


def lgtin_class(gtin: str, lot: str, prefix_length: int) -> str:
    """`urn:epc:class:lgtin:CompanyPrefix.ItemRef.Lot` of a batch."""
    _require(gtin, 14, "GTIN")
    company, item = _split(gtin, prefix_length, lead=True)
    return f"urn:epc:class:lgtin:{company}.{item}.{_escape(lot)}"


def gtin_class(gtin: str, prefix_length: int) -> str:
    """`urn:epc:idpat:sgtin:CompanyPrefix.ItemRef.*`: every item of a GTIN (a class)."""
    _require(gtin, 14, "GTIN")
    company, item = _split(gtin, prefix_length, lead=True)
    return f"urn:epc:idpat:sgtin:{company}.{item}.*"


def sgtin_uri(gtin: str, serial: str, prefix_length: int) -> str:
    """`urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial` of a serialised item."""
    _require(gtin, 14, "GTIN")
    company, item = _split(gtin, prefix_length, lead=True)
    return f"urn:epc:id:sgtin:{company}.{item}.{_escape(serial)}"


def sscc_uri(sscc: str, prefix_length: int) -> str:
    """`urn:epc:id:sscc:CompanyPrefix.SerialRef` of a logistic unit."""
    _require(sscc, 18, "SSCC")
    company, serial = _split(sscc, prefix_length, lead=True)
    return f"urn:epc:id:sscc:{company}.{serial}"


def sgln_uri(gln: str, extension: str | None, prefix_length: int) -> str:
    """`urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension` (extension `0`: none)."""
    _require(gln, 13, "GLN")
    company, location = _split(gln, prefix_length, lead=False)
    return f"urn:epc:id:sgln:{company}.{location}.{_escape(extension or '0')}"


def _key(lead: str, company: str, rest: str) -> str:
    digits = lead + company + rest
    return digits + check_digit(digits)


_URN = re.compile(
    r"^urn:epc:(?P<ns>id|class|idpat):(?P<scheme>sgtin|lgtin|sscc|sgln):(?P<body>[^\s]+)$"
)


def _from_urn(uri: str) -> Gs1Key | None:
    match = _URN.match(uri)
    if not match:
        return None
    scheme, parts = match["scheme"], match["body"].split(".")
    if scheme in ("sgtin", "lgtin") and len(parts) == 3 and (parts[0] + parts[1]).isdigit():
        if not parts[1]:
            return None
        gtin = _key(parts[1][0], parts[0], parts[1][1:])
        if match["ns"] == "idpat" and parts[2] == "*":
            return Gs1Key("gtin", gtin)
        kind = "lgtin" if scheme == "lgtin" else "sgtin"
        return Gs1Key(kind, gtin, unquote(parts[2]))
    if scheme == "sscc" and len(parts) == 2 and (parts[0] + parts[1]).isdigit() and parts[1]:
        return Gs1Key("sscc", _key(parts[1][0], parts[0], parts[1][1:]))
    if scheme == "sgln" and len(parts) == 3 and (parts[0] + parts[1]).isdigit():
        return Gs1Key("sgln", _key("", parts[0], parts[1]), unquote(parts[2]))
    return None


def _from_digital_link(uri: str) -> Gs1Key | None:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    segments = parts.path.split("/")
    start = next((i for i, s in enumerate(segments) if s in _PRIMARY_AIS), None)
    if start is None:
        return None
    tail = segments[start:]
    pairs = dict(zip(tail[::2], tail[1::2], strict=False))
    if "01" in pairs and pairs["01"].isdigit() and len(pairs["01"]) in (8, 12, 13, 14):
        gtin = pairs["01"].zfill(14)
        if "21" in pairs:
            return Gs1Key("sgtin", gtin, unquote(pairs["21"]))
        if "10" in pairs:
            return Gs1Key("lgtin", gtin, unquote(pairs["10"]))
        return Gs1Key("gtin", gtin)
    if "00" in pairs and pairs["00"].isdigit() and len(pairs["00"]) == 18:
        return Gs1Key("sscc", pairs["00"])
    if "414" in pairs and pairs["414"].isdigit() and len(pairs["414"]) == 13:
        return Gs1Key("sgln", pairs["414"], unquote(pairs.get("254", "0")))
    return None


def parse_identifier(uri: str) -> Gs1Key | None:
    """The GS1 key an EPC URI or GS1 Digital Link URI names, or None (not a GS1 key we read)."""
    return _from_urn(uri) or _from_digital_link(uri)


def canonical_key(uri: str) -> str:
    """The canonical key of an identifier (itself when it is not a GS1 key we read)."""
    key = parse_identifier(uri)
    return key.canonical if key else uri
