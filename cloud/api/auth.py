"""Who is asking: a bearer token or a session cookie, resolved to a role and a site scope."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cloud.api.deps import CursorDep
from cloud.api.errors import ApiError
from cloud.auth.secrets import token_hash
from cloud.db import auth_store

SESSION_COOKIE = "txng_session"


@dataclass(frozen=True)
class Principal:
    """An authenticated user; `site` is the only site an operator may see (None: all)."""

    username: str
    role: str
    site: str | None
    user_id: int

    @property
    def can_write(self) -> bool:
        """Admins and operators act; inspectors only read."""
        return self.role in ("admin", "operator")

    def scope(self, requested: str | None = None) -> str | None:
        """The site filter to apply: an operator's own site, else what was asked for."""
        if self.site is None:
            return requested
        if requested is not None and requested != self.site:
            raise ApiError(403, "forbidden", f"you may only see site {self.site!r}")
        return self.site

    def sees(self, site: str | None) -> bool:
        """Whether a row of `site` is visible to this user."""
        return self.site is None or site == self.site


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal(request: Request, cur: CursorDep) -> Principal | None:
    """The user behind the request's bearer token, else its session cookie, else None."""
    token = _bearer(request)
    if token is not None:
        user = auth_store.user_by_token(cur, token_hash=token_hash(token))
        if user is None:
            raise ApiError(401, "unauthorized", "the API token is unknown, revoked or expired")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        user = auth_store.user_by_session(cur, token_hash=token_hash(cookie)) if cookie else None
    if user is None:
        return None
    return Principal(username=user.username, role=user.role, site=user.site_id, user_id=user.id)


MaybePrincipalDep = Annotated[Principal | None, Depends(current_principal)]
