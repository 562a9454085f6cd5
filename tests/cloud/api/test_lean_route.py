"""Lean routes answer as FastAPI's own handling does; only plainly valid requests skip it."""

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from cloud.api import lean_route
from cloud.api.access import DeferredGate, PublicGate, Sites, access
from cloud.api.errors import install_error_handlers
from cloud.api.lean_route import LeanRoute, NotLean
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings

Gtin = Annotated[str, Path(pattern=r"^(\d{8}|\d{12,14})$")]
Lot = Annotated[str, Path(min_length=1, max_length=20)]


async def page(request: Request, gtin: Gtin, lot: Lot) -> Response:
    return Response(f"{gtin}|{lot}|{request.url.path}")


def _client(route_class: type[APIRoute], path: str, endpoint: Any, gate: Any) -> TestClient:
    router = APIRouter(dependencies=[gate], route_class=route_class)
    router.get(path)(endpoint)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    return TestClient(app)


def _text_client(route_class: type[APIRoute]) -> TestClient:
    return _client(route_class, "/01/{gtin}/10/{lot}", page, access(sites=Sites.PUBLIC))


PATHS = [
    "/01/08936012345018/10/LN-1",
    "/01/8936012345018/10/A%20B",
    "/01/12345678/10/x",
    "/01/12345/10/x",  # GTIN too short
    "/01/08936012345018/10/" + "x" * 21,  # lot too long
    "/01/12345678%0A/10/x",  # a trailing newline
    "/01/%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7%D9%A8/10/x",  # Arabic-Indic digits
    "/01/12345678/10/l%C3%B4",  # a lot that is not ASCII
]


Id = Annotated[int, Path(ge=1, le=2**62)]
Points = Annotated[int, Query(ge=10, le=2000)]


async def timeline(request: Request, item: Id, points: Points = 500, kind: str = "all") -> Response:
    return Response(f"{item!r}|{points!r}|{kind!r}")


def _numbers_client(route_class: type[APIRoute]) -> TestClient:
    gate = access("admin", sites=Sites.ALL, deferred=True)
    return _client(route_class, "/items/{item}/timeline", timeline, gate)


NUMBER_PATHS = [
    "/items/7/timeline",
    "/items/7/timeline?points=10",
    "/items/7/timeline?points=2000&kind=x",
    "/items/1/timeline?kind=",
    "/items/123456789012345678/timeline",
    "/items/0/timeline",  # below the bound
    "/items/007/timeline",  # leading zeros, a sign, spaces, a fraction: pydantic's to judge
    "/items/+7/timeline",
    "/items/%207/timeline",
    "/items/7.0/timeline",
    "/items/1_000/timeline",
    "/items/%D9%A3/timeline",  # an Arabic-Indic digit
    "/items/4611686018427387904/timeline",  # 2**62, 19 digits
    "/items/4611686018427387905/timeline",  # 2**62 + 1
    "/items/x/timeline",
    "/items/7/timeline?points=9",
    "/items/7/timeline?points=2001",
    "/items/7/timeline?points=abc",
    "/items/7/timeline?points=050",
    "/items/7/timeline?points=10&points=20",  # repeated
    "/items/7/timeline?other=1",  # undeclared
]


# (the app's routes, every path asked, how many of the first ones are plainly valid)
CASES = {"text": (_text_client, PATHS, 3), "numbers": (_numbers_client, NUMBER_PATHS, 5)}


@pytest.mark.parametrize("case", CASES)
def test_every_answer_is_fastapis_own(case):
    make, paths, _ = CASES[case]
    fastapi_client, lean_client = make(APIRoute), make(LeanRoute)
    for path in paths:
        expected, got = fastapi_client.get(path), lean_client.get(path)
        assert (got.status_code, got.content) == (expected.status_code, expected.content), path
    statuses = {fastapi_client.get(path).status_code for path in paths}
    assert statuses == {200, 422}  # not vacuous: both kinds of answer


@pytest.mark.parametrize("case", CASES)
def test_only_plainly_valid_requests_skip_fastapis_handling(monkeypatch, case):
    make, paths, plain = CASES[case]
    handled: list[str] = []
    original = lean_route.APIRoute.get_route_handler

    def counting(self):
        full = original(self)

        async def handler(request):
            query = request.scope["query_string"].decode()
            handled.append(request.scope["raw_path"].decode() + (f"?{query}" if query else ""))
            return await full(request)

        return handler

    monkeypatch.setattr(lean_route.APIRoute, "get_route_handler", counting)
    client = make(LeanRoute)
    for path in paths:
        client.get(path)
    assert handled == paths[plain:]


async def _required_query(request: Request, gtin: Gtin, q: str) -> Response:
    return Response(q)


async def _listed_query(request: Request, gtin: Gtin, q: Annotated[list[str], Query()]) -> Response:
    return Response(",".join(q))


async def _header(request: Request, gtin: Gtin, x_a: Annotated[str, Header()]) -> Response:
    return Response(x_a)


async def _fraction(request: Request, value: float) -> Response:
    return Response(str(value))


async def _user(request: Request) -> None:
    return None


@pytest.mark.parametrize(
    ("path", "endpoint", "dependencies"),
    [
        ("/01/{gtin}", _required_query, [access(sites=Sites.PUBLIC)]),  # no default
        ("/01/{gtin}", _listed_query, [access(sites=Sites.PUBLIC)]),  # a list
        ("/01/{gtin}", _header, [access(sites=Sites.PUBLIC)]),  # a header
        ("/v/{value}", _fraction, [access(sites=Sites.PUBLIC)]),  # a float
        ("/01/{gtin}/10/{lot}", page, [access("admin", sites=Sites.ALL)]),  # a resolving gate
        ("/01/{gtin}/10/{lot}", page, [Depends(_user)]),  # any other dependency
    ],
)
def test_a_route_that_needs_fastapis_handling_fails_at_start_up(path, endpoint, dependencies):
    router = APIRouter(dependencies=dependencies, route_class=LeanRoute)
    with pytest.raises(NotLean):
        router.get(path)(endpoint)


def test_the_apps_lean_routes_are_public_or_check_the_caller_themselves():
    app = create_app(load_api_settings(database_url="postgresql:///none"))
    lean = [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(getattr(route, "original_route", route), LeanRoute)
    ]
    paths = {route.path for route in lean}
    assert paths == {
        "/01/{gtin}/10/{lot}",
        "/api/public/01/{gtin}/10/{lot}",
        "/api/batches/{batch_id}/timeline",
    }
    for route in lean:
        gates = [d.call for d in route.dependant.dependencies]
        public = all(isinstance(g, PublicGate) for g in gates)
        deferred = all(isinstance(g, DeferredGate) for g in gates)
        assert gates and (public or deferred), route.path
        assert deferred == (route.path == "/api/batches/{batch_id}/timeline")
