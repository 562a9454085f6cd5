"""The official GS1 EPCIS 2.0 JSON Schema and JSON-LD context, shipped as package data."""

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from cloud.epcis.errors import Problem
from cloud.epcis.formats import format_checker

CONTEXT_URL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
# Other addresses of the same standard context (versioned and 2.0.0).
STANDARD_CONTEXTS = frozenset(
    {
        CONTEXT_URL,
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)


def _load(name: str) -> Any:
    text = resources.files("cloud.epcis").joinpath("schema", name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def schema() -> dict[str, Any]:
    """The EPCIS 2.0 JSON Schema document."""
    loaded: dict[str, Any] = _load("EPCIS-JSON-Schema.json")
    return loaded


@cache
def context_prefixes() -> dict[str, str]:
    """Namespace prefixes the standard context defines (gs1, cbv, cbvmda, …) → IRI."""
    context = _load("epcis-context.jsonld")["@context"]
    return {
        term: iri
        for term, iri in context.items()
        if isinstance(iri, str) and iri.endswith(("/", "#", ":"))
    }


@cache
def validator() -> Validator:
    """A validator of the schema's declared draft, checking date-time and date formats."""
    cls = validator_for(schema(), default=Draft7Validator)
    cls.check_schema(schema())
    checked: Validator = cls(schema(), format_checker=format_checker())
    return checked


def _path(parts: Any) -> str:
    return "/" + "/".join(str(p) for p in parts)


def _reason(error: ValidationError) -> str:
    """The error's message; for an object matching no alternative, what the alternatives want."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        wants = dict.fromkeys(e.message for e in error.context if len(e.message) < 120)
        if wants:
            return "matches none of the allowed forms: " + "; or ".join(list(wants)[:6])
    return error.message if len(error.message) < 300 else error.message[:297] + "..."


def schema_problems(document: Any) -> list[Problem]:
    """Where and why `document` breaks the schema (most specific reasons), empty when valid."""
    problems = []
    for error in validator().iter_errors(document):
        best = best_match([error]) or error
        problems.append(Problem(_path(best.absolute_path), _reason(best)))
    return problems
