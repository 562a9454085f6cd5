"""Checks the schema cannot make: CBV values, namespaced extensions, declared prefixes, context.

The schema lets any URI stand for a business step, a disposition or an extension field, but it
cannot tell a URI from a bare word without a `uri` format check (which it cannot apply without
rejecting valid documents), so a non-standard bare word such as `transforming` or an ILMD field
`materialType` passes it. Here: bare words must be CBV 2.0 values; every other field name or
value must be namespaced, by an absolute URI or by a prefix declared in an `@context` in scope.
"""

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from cloud.epcis.errors import Problem
from cloud.epcis.schema import STANDARD_CONTEXTS, context_prefixes, schema
from cloud.epcis.vocab import standard_value_problem

_ABSOLUTE_SCHEMES = ("http://", "https://", "urn:")
_EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)


def _names(option: Any) -> Iterator[str]:
    """Strings a `propertyNames` alternative enumerates, following `$ref` and `anyOf`."""
    if not isinstance(option, dict):
        return
    yield from option.get("enum", [])
    ref = option.get("$ref", "")
    if ref.startswith("#/definitions/"):
        yield from _names(schema()["definitions"][ref.rsplit("/", 1)[1]])
    for alternative in option.get("anyOf", []):
        yield from _names(alternative)


def _enums(definition: Any) -> Iterator[str]:
    """Every property name a definition's `propertyNames` enumerates (through allOf)."""
    if isinstance(definition, dict):
        yield from _names(definition.get("propertyNames"))
        for part in definition.get("allOf", []):
            yield from _enums(part)


@cache
def standard_fields(definition: str) -> frozenset[str]:
    """The field names the schema defines for a definition; `events`: of any event type.

    Any event type's fields count for all: the schema leaves `persistentDisposition` out of
    AggregationEvent although EPCIS 2.0 defines it there (and valid documents use it).
    """
    names = _EVENT_TYPES if definition == "events" else (definition,)
    return frozenset(n for name in names for n in _enums(schema()["definitions"][name]))


def declared_prefixes(contexts: Iterable[Any]) -> set[str]:
    """Prefixes an `@context` value (string, object or list of them) declares, plus GS1's own."""
    prefixes = set(context_prefixes())
    for context in contexts:
        items = context if isinstance(context, list) else [context]
        prefixes.update(term for item in items if isinstance(item, dict) for term in item)
    return prefixes


def _namespace_problem(name: str, prefixes: set[str]) -> str | None:
    if name.startswith(_ABSOLUTE_SCHEMES):
        return None
    if ":" not in name:
        return f"'{name}' is not namespaced (use a URI or a prefix declared in @context)"
    prefix = name.split(":", 1)[0]
    if prefix not in prefixes:
        return f"'{name}': prefix '{prefix}' is not declared in @context"
    return None


def _field_problems(node: Any, definition: str, path: str, prefixes: set[str]) -> Iterator[Problem]:
    if not isinstance(node, dict):
        return
    standard = standard_fields(definition)
    for name in node:
        if name not in standard:
            reason = _namespace_problem(name, prefixes)
            if reason:
                yield Problem(f"{path}/{name}", f"field {reason}")


def _event_problems(event: Any, path: str, outer: set[str]) -> Iterator[Problem]:
    if not isinstance(event, dict):
        return
    prefixes = outer | declared_prefixes([event.get("@context", [])])
    if event.get("type") in _EVENT_TYPES:
        yield from _field_problems(event, "events", path, prefixes)
    for vocabulary in ("bizStep", "disposition"):
        value = event.get(vocabulary)
        if isinstance(value, str):
            reason = standard_value_problem(vocabulary, value)
            if reason is None and ":" in value:
                reason = _namespace_problem(value, prefixes)
            if reason:
                yield Problem(f"{path}/{vocabulary}", reason)
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            for i, value in enumerate(persistent.get(key) or []):
                reason = standard_value_problem("disposition", str(value))
                if reason:
                    yield Problem(f"{path}/persistentDisposition/{key}/{i}", reason)
    ilmd = event.get("ilmd")
    if isinstance(ilmd, dict):
        for name in ilmd:
            reason = _namespace_problem(name, prefixes)
            if reason:
                yield Problem(f"{path}/ilmd/{name}", f"ILMD field {reason}")
    for i, element in enumerate(event.get("sensorElementList") or []):
        element_path = f"{path}/sensorElementList/{i}"
        yield from _field_problems(element, "sensorElement", element_path, prefixes)
        if isinstance(element, dict):
            meta = element.get("sensorMetadata")
            yield from _field_problems(
                meta, "sensorMetadata", f"{element_path}/sensorMetadata", prefixes
            )
            for j, report in enumerate(element.get("sensorReport") or []):
                report_path = f"{element_path}/sensorReport/{j}"
                yield from _field_problems(report, "sensorReport", report_path, prefixes)


def event_lists(document: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    """(path, events) of a document's event list (EPCISDocument or EPCISQueryDocument)."""
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        return
    if isinstance(body.get("eventList"), list):
        yield "/epcisBody/eventList", body["eventList"]
    results = body.get("queryResults")
    if isinstance(results, dict) and isinstance(results.get("resultsBody"), dict):
        events = results["resultsBody"].get("eventList")
        if isinstance(events, list):
            yield "/epcisBody/queryResults/resultsBody/eventList", events


def semantic_problems(document: Any) -> list[Problem]:
    """Where and why a schema-valid document breaks the rules above; empty when it does not."""
    if not isinstance(document, dict):
        return [Problem("/", "an EPCIS document is a JSON object")]
    problems = []
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if not any(isinstance(c, str) and c in STANDARD_CONTEXTS for c in contexts):
        problems.append(Problem("/@context", "does not reference the EPCIS 2.0 JSON-LD context"))
    prefixes = declared_prefixes(contexts)
    for path, events in event_lists(document):
        for i, event in enumerate(events):
            problems.extend(_event_problems(event, f"{path}/{i}", prefixes))
    return problems
