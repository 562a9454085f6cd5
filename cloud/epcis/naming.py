"""Our batches, items, units and locations as EPC URIs, with the configured prefix lengths."""

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from cloud.epcis.identifiers import gtin_class, lgtin_class, sgln_uri, sgtin_uri, sscc_uri
from cloud.settings.epcis import EpcisSettings


@dataclass(frozen=True)
class Naming:
    """Turns GS1 keys and locations into the URIs EPCIS documents carry."""

    settings: EpcisSettings

    def batch(self, gtin: str, lot: str) -> str:
        """LGTIN class of a batch."""
        return lgtin_class(gtin, lot, self.settings.prefix_length(gtin[1:]))

    def product(self, gtin: str) -> str:
        """Class of every item of a GTIN (a scan without a lot)."""
        return gtin_class(gtin, self.settings.prefix_length(gtin[1:]))

    def item(self, gtin: str, serial: str) -> str:
        """SGTIN of a serialised item."""
        return sgtin_uri(gtin, serial, self.settings.prefix_length(gtin[1:]))

    def unit(self, sscc: str) -> str:
        """SSCC of a logistic unit."""
        return sscc_uri(sscc, self.settings.prefix_length(sscc[1:]))

    def location(self, site: str, code: str, gln: str | None, extension: str | None) -> str:
        """SGLN of a location with a GLN, else its URI in the configured private namespace."""
        if gln:
            return sgln_uri(gln.strip(), extension, self.settings.prefix_length(gln.strip()))
        template = self.settings.epcis_location_uri
        return template.format(site=quote(site, safe=""), location=quote(code, safe=""))

    def private_place(self, uri: str) -> tuple[str, str] | None:
        """(site, location) a URI of the private namespace names, or None."""
        template = self.settings.epcis_location_uri
        pattern = re.escape(template)
        pattern = pattern.replace(re.escape("{site}"), "(?P<site>[^/?#]+)")
        pattern = pattern.replace(re.escape("{location}"), "(?P<location>[^/?#]+)")
        match = re.fullmatch(pattern, uri)
        return (unquote(match["site"]), unquote(match["location"])) if match else None
