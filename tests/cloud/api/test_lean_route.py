"""Lean routes answer as FastAPI's own handling does; only plainly valid requests skip it."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from cloud.api import lean_route
from cloud.api.access import PublicGate, Sites, access
from cloud.api.errors import install_error_handlers
from cloud.api.lean_route import LeanRoute, NotLean
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings

Gtin = Annotated[str, Path(pattern=r"^(\d{8}|\d{12,14})$")]
Lot = Annotated[str, Path(min_length=1, max_length=20)]


async def page(request: Request, gtin: Gtin, lot: Lot) -> Response:
    return Response(f"{gtin}|{lot}|{request.url.path}")


def _client(route_class: type[APIRoute]) -> TestClient:
    router = APIRouter(dependencies=[access(sites=Sites.PUBLIC)], route_class=route_class)
    router.get("/01/{gtin}/10/{lot}")(page)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    return TestClient(app)


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


def test_every_answer_is_fastapis_own(monkeypatch):
    fastapi_client, lean_client = _client(APIRoute), _client(LeanRoute)
    for path in PATHS:
        expected, got = fastapi_client.get(path), lean_client.get(path)
        assert (got.status_code, got.content) == (expected.status_code, expected.content), path
    statuses = {fastapi_client.get(path).status_code for path in PATHS}
    assert statuses == {200, 422}  # not vacuous: both kinds of answer


def test_only_plainly_valid_requests_skip_fastapis_handling(monkeypatch):
    solved: list[str] = []
    original = lean_route.APIRoute.get_route_handler

    def counting(self):
        full = original(self)

        async def handler(request):
            solved.append(request.path_params["gtin"] + "/" + request.path_params["lot"])
            return await full(request)

        return handler

    monkeypatch.setattr(lean_route.APIRoute, "get_route_handler", counting)
    client = _client(LeanRoute)
    for path in PATHS:
        client.get(path)
    assert solved == [
        "12345/x",
        "08936012345018/" + "x" * 21,
        "12345678\n/x",
        "١٢٣٤٥٦٧٨/x",
        "12345678/lô",
    ]


async def _with_query(request: Request, gtin: Gtin, q: str = "") -> Response:
    return Response(q)


async def _user(request: Request) -> None:
    return None


@pytest.mark.parametrize(
    ("endpoint", "dependencies"),
    [
        (_with_query, [access(sites=Sites.PUBLIC)]),  # a query parameter
        (page, [access("admin", sites=Sites.ALL)]),  # a gate that resolves the caller
        (page, [Depends(_user)]),  # any other dependency
    ],
)
def test_a_route_that_needs_fastapis_handling_fails_at_start_up(endpoint, dependencies):
    router = APIRouter(dependencies=dependencies, route_class=LeanRoute)
    with pytest.raises(NotLean):
        router.get("/01/{gtin}/10/{lot}")(endpoint)


def test_the_apps_lean_routes_declare_public_access_only():
    app = create_app(load_api_settings(database_url="postgresql:///none"))
    lean = [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(getattr(route, "original_route", route), LeanRoute)
    ]
    paths = {route.path for route in lean}
    assert paths == {"/01/{gtin}/10/{lot}", "/api/public/01/{gtin}/10/{lot}"}
    for route in lean:
        gates = [d.call for d in route.dependant.dependencies]
        assert gates and all(isinstance(g, PublicGate) for g in gates), route.path
