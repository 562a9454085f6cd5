"""A route that calls its endpoint directly when FastAPI's request handling would only re-check.

For the busiest public pages (a QR campaign's consumer pages): FastAPI's dependency solving
and parameter validation cost each request about as much CPU as rendering its page. A
`LeanRoute` is an ordinary APIRoute (same declaration, OpenAPI entry and access gate, read
back by access.access_of) whose only dependencies are public gates (which let every request
through and need nothing resolved) and whose parameters are the request and plain text path
parameters with length and pattern bounds. A request whose path parameters are plainly within
those bounds calls the endpoint at once; any other goes through FastAPI's own handling, so
every refusal (422 and its body) stays FastAPI's. A route that does not qualify fails at
start-up instead of being handled differently.
"""

import inspect
import re
from collections.abc import Callable, Coroutine
from typing import Any

from annotated_types import MaxLen, MinLen
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo

from cloud.api.access import PublicGate

Check = Callable[[str], bool]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class NotLean(TypeError):
    """A route whose requests need FastAPI's dependency solving or validation."""


def _bounds(name: str, info: FieldInfo) -> Check:
    """A check that passes only values FastAPI's validation of `info` passes too."""
    low, high, pattern = 0, None, None
    for bound in info.metadata:
        if isinstance(bound, MinLen):
            low = bound.min_length
        elif isinstance(bound, MaxLen):
            high = bound.max_length
        elif getattr(bound, "pattern", None) is not None and pattern is None:
            pattern = re.compile(bound.pattern)
        else:
            raise NotLean(f"path parameter {name}: {bound!r} is not a length or a pattern")
    # ASCII and a full match: a subset of what pydantic's search for the pattern accepts (a
    # trailing newline, or digits of other scripts, go to FastAPI's own validation).
    matches = pattern.fullmatch if pattern is not None else None

    def check(value: str) -> bool:
        return (
            low <= len(value)
            and (high is None or len(value) <= high)
            and value.isascii()
            and (matches is None or matches(value) is not None)
        )

    return check


def _lean_parameters(dependant: Dependant) -> dict[str, Check]:
    """Each path parameter's check; NotLean if a request needs more than these."""
    for dependency in dependant.dependencies:
        if not isinstance(dependency.call, PublicGate) or dependency.dependencies:
            raise NotLean(f"{dependant.path}: dependency {dependency.call!r} must be resolved")
    others = (
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
    )
    if any(others) or dependant.background_tasks_param_name or dependant.response_param_name:
        raise NotLean(f"{dependant.path}: parameters other than the path's and the request")
    if dependant.request_param_name != "request":
        raise NotLean(f"{dependant.path}: the endpoint takes no `request`")
    checks = {}
    for param in dependant.path_params:
        if param.field_info.annotation is not str or param.alias != param.name:
            raise NotLean(f"{dependant.path}: path parameter {param.name} is not plain text")
        checks[param.name] = _bounds(param.name, param.field_info)
    return checks


class LeanRoute(APIRoute):
    """An APIRoute whose requests within its path parameters' bounds skip FastAPI's handling."""

    def get_route_handler(self) -> Handler:
        """The endpoint called at once for plainly valid path parameters, else FastAPI's handler."""
        full = super().get_route_handler()
        checks = _lean_parameters(self.dependant)
        endpoint = self.endpoint
        if not inspect.iscoroutinefunction(endpoint):
            raise NotLean(f"{self.path}: the endpoint is not a coroutine function")

        async def handler(request: Request) -> Response:
            params = request.path_params
            if params.keys() == checks.keys() and all(
                check(params[name]) for name, check in checks.items()
            ):
                response: Response = await endpoint(request=request, **params)
                return response
            return await full(request)

        return handler
