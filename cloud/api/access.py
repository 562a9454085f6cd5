"""Who may call a route and which sites' data its answer may hold: one declaration per route.

A route states its access with one of the `Annotated` aliases below (a parameter such as
`principal: SiteReader`) or, when it needs no principal, with `dependencies=[access(...)]`.
The declaration is the route's authorization check itself (a FastAPI dependency), and
`access_of(route)` reads it back from the application's route table: the authorization
matrix test (tests/cloud/api/test_access_matrix.py) checks every route against it, and a
route without one fails that test.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import RedirectResponse
from starlette.routing import BaseRoute

from cloud.api.auth import MaybePrincipalDep, Principal
from cloud.api.errors import ApiError

ROLES = frozenset({"admin", "operator", "inspector"})
WRITERS = frozenset({"admin", "operator"})


class Sites(StrEnum):
    """How an answer is scoped to the caller's site(s)."""

    NONE = "none"  # holds no site's data (health, who am I, the login form)
    OWN = "own"  # an operator's own site only; admins and inspectors every site
    ALL = "all"  # every site's data: only for roles that see every site
    PUBLIC = "public"  # public facts of any batch, by design (the consumer page of a QR code)


class LoginRequired(Exception):
    """An anonymous browser asked for a web UI page: send it to the login form."""


@dataclass(frozen=True)
class Access:
    """A route's declaration: the roles that may call it (none: anyone) and its site scope."""

    roles: frozenset[str]
    sites: Sites
    page: bool = False  # a web UI page: anonymous browsers go to /login instead of a 401

    def __post_init__(self) -> None:
        if not self.roles <= ROLES:
            raise ValueError(f"unknown roles {sorted(self.roles - ROLES)}")
        if not self.roles and self.sites not in (Sites.NONE, Sites.PUBLIC):
            raise ValueError("a route anyone may call shows no site's data, or public facts")
        if self.sites is Sites.ALL and "operator" in self.roles:
            raise ValueError("operators see one site: Sites.ALL is for admins and inspectors")

    @property
    def public(self) -> bool:
        """Anyone may call the route, signed in or not."""
        return not self.roles

    def check(self, principal: Principal | None) -> Principal | None:
        """The caller if the declaration lets them in; 401 (or the login form) or 403 if not."""
        if self.public:
            return principal
        if principal is None:
            if self.page:
                raise LoginRequired()
            raise ApiError(
                401, "unauthorized", "log in or send an API token (Authorization: Bearer)"
            )
        if principal.role not in self.roles:
            if principal.role == "inspector":
                raise ApiError(403, "forbidden", "inspectors have read-only access")
            raise ApiError(403, "forbidden", f"only {' or '.join(sorted(self.roles))} may do this")
        return principal


class Gate:
    """The dependency a declaration adds to its route (read back by `access_of`)."""

    def __init__(self, access: Access):
        self.access = access

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.access})"


class PublicGate(Gate):
    """Anyone may call: nothing to resolve."""

    async def __call__(self) -> None:
        """Let every request through."""


class UserGate(Gate):
    """Resolve the caller (token or session) and check the declaration."""

    async def __call__(self, principal: MaybePrincipalDep) -> Principal:
        """The caller, checked against the declaration."""
        checked = self.access.check(principal)
        assert checked is not None
        return checked


class DeferredGate(Gate):
    """The route resolves the caller itself (in its own worker thread) with `access.check`."""

    async def __call__(self) -> None:
        """Nothing here: the route calls `self.access.check` on the caller it resolves."""


def access(*roles: str, sites: Sites, page: bool = False, deferred: bool = False) -> Any:
    """A route's declaration as a dependency: `dependencies=[access(sites=Sites.NONE)]`.

    No roles: anyone may call. `deferred`: the route checks `gate(...).access` itself.
    """
    declared = Access(frozenset(roles), sites, page)
    if declared.public:
        return Depends(PublicGate(declared))
    return Depends(DeferredGate(declared) if deferred else UserGate(declared))


# The usual declarations, as parameter types: `principal: SiteReader`.
SiteReader = Annotated[Principal, access(*ROLES, sites=Sites.OWN)]
"""Any signed-in user; an operator's answer holds their own site's rows only."""
SiteWriter = Annotated[Principal, access(*WRITERS, sites=Sites.OWN)]
"""Admins and operators (inspectors only read); operators act on their own site's rows only."""
SitePage = Annotated[Principal, access(*ROLES, sites=Sites.OWN, page=True)]
"""A web UI page for any signed-in user (anonymous browsers go to /login); own site's rows."""
AnyUser = Annotated[Principal, access(*ROLES, sites=Sites.NONE)]
"""Any signed-in user; the answer holds no site's data."""
AdminOnly = Annotated[Principal, access("admin", sites=Sites.ALL)]
"""Admins only."""

# Routes the framework adds, which carry no dependencies: declared here by path.
FRAMEWORK_ROUTES = {"/openapi.json": Access(frozenset(), Sites.NONE)}
STATIC = Access(frozenset(), Sites.NONE)  # the packaged CSS and JavaScript


class Undeclared(LookupError):
    """A route that does not state who may call it."""


def _gates(dependant: Dependant) -> Iterator[Gate]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Gate):
            yield dependency.call
        yield from _gates(dependency)


def access_of(route: BaseRoute | Any) -> Access:
    """The declaration of a route of the route table (Undeclared if it has none)."""
    dependant = getattr(route, "dependant", None)
    path = getattr(route, "path", "?")
    if dependant is None:
        if path in FRAMEWORK_ROUTES:
            return FRAMEWORK_ROUTES[path]
        if path == "/static":
            return STATIC
        raise Undeclared(f"{path}: not a route of ours and not in FRAMEWORK_ROUTES")
    found = {gate.access for gate in _gates(dependant)}
    if len(found) != 1:
        methods = ",".join(sorted(getattr(route, "methods", None) or ()))
        problem = "declares no access" if not found else f"declares {len(found)} accesses"
        raise Undeclared(f"{methods} {path} {problem}: see cloud/api/access.py")
    return found.pop()


def gate(declared: Any) -> Gate:
    """The gate of an `access(...)` dependency (for a deferred route's own check)."""
    call = declared.dependency
    assert isinstance(call, Gate)
    return call


def install_login_redirect(app: FastAPI) -> None:
    """Send anonymous browsers asking for a web UI page to the login form, then back."""

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
