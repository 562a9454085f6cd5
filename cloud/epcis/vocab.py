"""GS1 CBV 2.0 vocabularies: business steps, dispositions, and the URI forms that name them."""

from contract import BizStep

BIZ_STEPS: frozenset[str] = frozenset(step.value for step in BizStep)

DISPOSITIONS: frozenset[str] = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)

# The URI prefixes under which CBV 2.0 publishes a vocabulary's standard values (the bare word
# follows): the EPCIS 1.x URN form and the GS1 Web URI form.
_STANDARD_PREFIXES: dict[str, tuple[str, ...]] = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
}
_STANDARD_VALUES: dict[str, frozenset[str]] = {
    "bizStep": BIZ_STEPS,
    "disposition": DISPOSITIONS,
}

# What each of our business steps leaves the objects as (CBV 2.0 disposition), when obvious.
DISPOSITION_AFTER: dict[str, str] = {
    "commissioning": "active",
    "receiving": "in_progress",
    "accepting": "in_progress",
    "arriving": "in_progress",
    "storing": "in_progress",
    "stocking": "sellable_accessible",
    "packing": "in_progress",
    "loading": "in_transit",
    "shipping": "in_transit",
    "departing": "in_transit",
    "transporting": "in_transit",
    "retail_selling": "retail_sold",
    "destroying": "destroyed",
    "decommissioning": "inactive",
}


def bare_value(vocabulary: str, value: str) -> str:
    """The bare CBV word of a standard value in any of its forms; other values unchanged."""
    for prefix in _STANDARD_PREFIXES[vocabulary]:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def standard_value_problem(vocabulary: str, value: str) -> str | None:
    """Why `value` is neither a standard CBV value (in any form) nor an extension URI, or None."""
    standard = _STANDARD_VALUES[vocabulary]
    for prefix in _STANDARD_PREFIXES[vocabulary]:
        if value.startswith(prefix):
            word = value[len(prefix) :]
            return None if word in standard else f"'{word}' is not a CBV 2.0 {vocabulary} value"
    if ":" in value:
        return None  # an extension, named by a URI or a namespaced (CURIE) term
    if value in standard:
        return None
    return f"'{value}' is not a CBV 2.0 {vocabulary} value nor a namespaced extension"
