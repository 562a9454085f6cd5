"""Validate an EPCIS 2.0 document: the official schema, then the semantic checks."""

from typing import Any

from cloud.epcis.errors import EpcisInvalid, Problem
from cloud.epcis.schema import schema_problems
from cloud.epcis.semantics import semantic_problems


def problems(document: Any) -> list[Problem]:
    """Everything wrong with `document` (schema problems first); empty when it is valid."""
    found = schema_problems(document)
    if isinstance(document, dict):
        found += [p for p in semantic_problems(document) if p not in found]
    return found


def validate(document: Any) -> None:
    """Raise EpcisInvalid naming every problem, unless `document` is valid EPCIS 2.0."""
    found = problems(document)
    if found:
        raise EpcisInvalid(found)
