"""Decode EPC binary (hex) to pure-identity URIs and GS1 keys with epcpy (EPC TDS 2.x)."""

import logging
import re

from contract import Gs1Identifiers
from edge.readers.gs1 import gs1_identifiers

logger = logging.getLogger(__name__)

_HRI = re.compile(r"\((\d{2,4})\)([^(]*)")


def _element_string(hri: str) -> str:
    """`(01)…(21)…` human-readable form to an element string with GS separators."""
    return "\x1d".join(ai + value for ai, value in _HRI.findall(hri))


def epc_identifiers(epc_hex: str) -> Gs1Identifiers | None:
    """GS1 keys and the pure-identity URI of an EPC (SGTIN, SSCC, SGLN, GRAI, …); else None."""
    from epcpy.utils.common import ConvertException  # loaded when an RFID reader runs
    from epcpy.utils.parsers import epc_pure_identity_to_gs1_element_string, hex_to_tag_encodable

    try:
        tag = hex_to_tag_encodable(epc_hex.upper())
        uri: str = tag.epc_uri
    except (ConvertException, ValueError, IndexError, KeyError, AttributeError) as err:
        logger.debug("EPC %s does not decode: %s", epc_hex, err)
        return None
    try:
        element_string = epc_pure_identity_to_gs1_element_string(uri)
    except (ConvertException, ValueError, KeyError, AttributeError):
        return Gs1Identifiers(epc_uri=uri)  # an EPC scheme without a GS1 key (e.g. GID)
    keys = gs1_identifiers(_element_string(element_string))
    if keys is None:
        return Gs1Identifiers(epc_uri=uri)
    return keys.model_copy(update={"epc_uri": uri})
