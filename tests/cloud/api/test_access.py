"""Every route declares who may call it and how its answer is scoped (cloud/api/access.py)."""

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts

from cloud.api.access import (
    ROLES,
    Access,
    AnyUser,
    SiteReader,
    Sites,
    Undeclared,
    access,
    access_of,
)
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings


def routes(app: FastAPI) -> list:
    return list(iter_route_contexts(app.routes))


def test_every_route_of_the_application_declares_its_access():
    app = create_app(load_api_settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    undeclared = []
    for route in routes(app):
        try:
            access_of(route)
        except Undeclared as err:
            undeclared.append(str(err))
    assert undeclared == []
    assert len(routes(app)) > 40


def test_a_route_without_a_declaration_is_found():
    router = APIRouter()

    @router.get("/declared")
    def declared(principal: SiteReader) -> str:
        return principal.username

    @router.get("/forgotten")
    def forgotten() -> str:
        return "anyone sees this"

    app = FastAPI()
    app.include_router(router)
    by_path = {r.path: r for r in routes(app)}
    assert access_of(by_path["/declared"]) == Access(ROLES, Sites.OWN)
    with pytest.raises(Undeclared, match="GET /forgotten declares no access"):
        access_of(by_path["/forgotten"])


def test_two_different_declarations_on_one_route_are_refused():
    router = APIRouter()

    @router.get("/both", dependencies=[access(sites=Sites.PUBLIC)])
    def both(principal: AnyUser) -> str:
        return principal.username

    app = FastAPI()
    app.include_router(router)
    (route,) = [r for r in routes(app) if r.path == "/both"]
    with pytest.raises(Undeclared, match="declares 2 accesses"):
        access_of(route)


@pytest.mark.parametrize(
    ("roles", "sites", "problem"),
    [
        ((), Sites.OWN, "anyone may call"),
        (("operator",), Sites.ALL, "operators see one site"),
        (("owner",), Sites.OWN, "unknown roles"),
    ],
)
def test_declarations_that_contradict_themselves_fail_at_import(roles, sites, problem):
    with pytest.raises(ValueError, match=problem):
        access(*roles, sites=sites)
