"""Who am I: the authenticated user's name, role and site."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cloud.api.access import AnyUser
from cloud.api.errors import ErrorBody

router = APIRouter(prefix="/api/me", tags=["auth"], responses={401: {"model": ErrorBody}})


class Me(BaseModel):
    """The user behind the request."""

    username: str = Field(description="Login name")
    role: str = Field(description="admin, operator (one site) or inspector (read-only)")
    site: str | None = Field(description="The only site an operator sees; null for the others")


@router.get("", response_model=Me, summary="The authenticated user")
def me(principal: AnyUser) -> Me:
    """Name, role and site of the caller."""
    return Me(username=principal.username, role=principal.role, site=principal.site)
