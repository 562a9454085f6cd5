"""A route that calls its endpoint directly when FastAPI's request handling would only re-check.

For the busiest routes (a QR campaign's consumer pages, the batch timeline): FastAPI's
dependency solving and parameter validation cost each request about as much CPU as rendering a
consumer page, and about a sixth of the API's CPU for a timeline. A `LeanRoute` is an ordinary
APIRoute (same declaration, OpenAPI entry and access gate, read back by access.access_of) whose
only dependencies are public gates (which let every request through) or deferred gates (the
endpoint checks the caller itself), and whose parameters are the request, text path parameters
with length and pattern bounds, integer path parameters with value bounds, and optional text or
integer query parameters with such bounds. A request whose parameters are all plainly within
those bounds calls the endpoint at once with the values FastAPI would have passed; any other
goes through FastAPI's own handling, so every refusal (422 and its body) stays FastAPI's. A
route that does not qualify fails at start-up instead of being handled differently.
"""

import inspect
import re
from collections.abc import Callable, Coroutine
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from cloud.api.access import DeferredGate, PublicGate

NOT_PLAIN = object()
"""What a Convert gives for a value it leaves to FastAPI's own validation."""
Convert = Callable[[str], Any]
"""A parameter's raw text to the value FastAPI would pass, or NOT_PLAIN."""
Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# An integer plainly valid: ASCII digits without a sign, spaces or leading zeros, short enough
# that its value is exact (pydantic also takes "+7", " 7", "007", "7.0" and "1_000").
_PLAIN_INTEGER = re.compile(r"0|[1-9][0-9]{0,17}")


class NotLean(TypeError):
    """A route whose requests need FastAPI's dependency solving or validation."""


def _text(name: str, info: FieldInfo) -> Convert:
    """The text itself if FastAPI's validation of `info` passes it too, else NOT_PLAIN."""
    low, high, pattern = 0, None, None
    for bound in info.metadata:
        if isinstance(bound, MinLen):
            low = bound.min_length
        elif isinstance(bound, MaxLen):
            high = bound.max_length
        elif getattr(bound, "pattern", None) is not None and pattern is None:
            pattern = re.compile(bound.pattern)
        else:
            raise NotLean(f"parameter {name}: {bound!r} is not a length or a pattern")
    # ASCII and a full match: a subset of what pydantic's search for the pattern accepts (a
    # trailing newline, or digits of other scripts, go to FastAPI's own validation).
    matches = pattern.fullmatch if pattern is not None else None

    def convert(value: str) -> Any:
        plain = (
            low <= len(value)
            and (high is None or len(value) <= high)
            and value.isascii()
            and (matches is None or matches(value) is not None)
        )
        return value if plain else NOT_PLAIN

    return convert


def _integer(name: str, info: FieldInfo) -> Convert:
    """The integer if the text is plainly one within `info`'s bounds, else NOT_PLAIN."""
    low, high = None, None
    for bound in info.metadata:
        if isinstance(bound, Ge):
            low = int(bound.ge)  # type: ignore[call-overload]
        elif isinstance(bound, Gt):
            low = int(bound.gt) + 1  # type: ignore[call-overload]
        elif isinstance(bound, Le):
            high = int(bound.le)  # type: ignore[call-overload]
        elif isinstance(bound, Lt):
            high = int(bound.lt) - 1  # type: ignore[call-overload]
        else:
            raise NotLean(f"parameter {name}: {bound!r} is not a value bound")

    def convert(value: str) -> Any:
        if _PLAIN_INTEGER.fullmatch(value) is None:
            return NOT_PLAIN
        number = int(value)
        plain = (low is None or number >= low) and (high is None or number <= high)
        return number if plain else NOT_PLAIN

    return convert


_CONVERTERS: dict[object, Callable[[str, FieldInfo], Convert]] = {str: _text, int: _integer}


def _converter(name: str, info: FieldInfo) -> Convert:
    """The Convert of a text or integer parameter; NotLean for any other type."""
    make = _CONVERTERS.get(info.annotation)
    if make is None:
        raise NotLean(f"parameter {name}: {info.annotation} is neither text nor an integer")
    return make(name, info)


class _Parameters:
    """A route's path and query parameters: their converters and the query's defaults."""

    def __init__(self, dependant: Dependant):
        for dependency in dependant.dependencies:
            if (
                not isinstance(dependency.call, PublicGate | DeferredGate)
                or dependency.dependencies
            ):
                raise NotLean(f"{dependant.path}: dependency {dependency.call!r} must be resolved")
        others = (dependant.header_params, dependant.cookie_params, dependant.body_params)
        if any(others) or dependant.background_tasks_param_name or dependant.response_param_name:
            raise NotLean(f"{dependant.path}: parameters other than path, query and request")
        if dependant.request_param_name != "request":
            raise NotLean(f"{dependant.path}: the endpoint takes no `request`")
        self.path: dict[str, Convert] = {}
        for param in dependant.path_params:
            self._plain_name(dependant, param.name, param.alias)
            self.path[param.name] = _converter(param.name, param.field_info)
        self.query: dict[str, Convert] = {}
        self.defaults: dict[str, Any] = {}
        for param in dependant.query_params:
            self._plain_name(dependant, param.name, param.alias)
            info = param.field_info
            if info.default is PydanticUndefined or info.default_factory is not None:
                raise NotLean(f"{dependant.path}: query parameter {param.name} has no default")
            self.query[param.name] = _converter(param.name, info)
            self.defaults[param.name] = info.default

    @staticmethod
    def _plain_name(dependant: Dependant, name: str, alias: str) -> None:
        if alias != name:
            raise NotLean(f"{dependant.path}: parameter {name} has an alias")

    def values(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's keyword arguments when every parameter is plainly valid, else None."""
        raw = request.path_params
        if raw.keys() != self.path.keys():
            return None
        values = {name: convert(raw[name]) for name, convert in self.path.items()}
        if request.scope["query_string"]:
            items = request.query_params.multi_items()
            names = [name for name, _ in items]
            if len(set(names)) != len(names) or not self.query.keys() >= set(names):
                return None  # a repeated or undeclared name: FastAPI decides
            values |= self.defaults | {name: self.query[name](value) for name, value in items}
        else:
            values |= self.defaults
        if any(value is NOT_PLAIN for value in values.values()):
            return None
        return values


class LeanRoute(APIRoute):
    """An APIRoute whose requests with plainly valid parameters skip FastAPI's handling."""

    def get_route_handler(self) -> Handler:
        """The endpoint called at once for plainly valid parameters, else FastAPI's handler."""
        full = super().get_route_handler()
        parameters = _Parameters(self.dependant)
        endpoint = self.endpoint
        if not inspect.iscoroutinefunction(endpoint):
            raise NotLean(f"{self.path}: the endpoint is not a coroutine function")

        async def handler(request: Request) -> Response:
            values = parameters.values(request)
            if values is None:
                return await full(request)
            response: Response = await endpoint(request=request, **values)
            return response

        return handler
