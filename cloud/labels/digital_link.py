"""GS1 Digital Link URIs for the consumer page: {base}/01/{gtin}/10/{lot}[/21/{serial}][?17=…]."""

from urllib.parse import quote, urlsplit

from cloud.labels.element_string import ElementString
from cloud.labels.errors import LabelError


def check_base_url(base_url: str) -> str:
    """An http(s) base URL without query or fragment, without a trailing slash."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise LabelError("public_base_url", f"{base_url!r} is not an http(s) base URL")
    return base_url.rstrip("/")


def _segment(value: str, field: str) -> str:
    # The consumer page's router sees the decoded path: a '/' inside a value would split it.
    if "/" in value:
        raise LabelError(field, f"{value!r} contains '/', which a Digital Link path cannot carry")
    return quote(value, safe="")


def digital_link(base_url: str, elements: ElementString) -> str:
    """The URI of a unit's element string: path keys 01, 10, 21; expiry as the ?17= attribute."""
    gtin = elements.value("gtin")
    lot = elements.value("lot")
    if gtin is None or lot is None:
        raise LabelError("gtin", "a Digital Link needs a GTIN and a lot")
    uri = f"{check_base_url(base_url)}/01/{gtin}/10/{_segment(lot, 'lot')}"
    serial = elements.value("serial")
    if serial is not None:
        uri += f"/21/{_segment(serial, 'serial')}"
    expiry = elements.value("expiry_date")
    if expiry is not None:
        uri += f"?17={expiry}"
    return uri
