"""Liveness and readiness."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cloud.api.access import Sites, access
from cloud.api.deps import CursorDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The API is up; `database` says whether the database answered."""

    status: str = Field(description="ok while the API answers")
    database: bool = Field(description="Whether the database answered")


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness and database readiness",
    dependencies=[access(sites=Sites.NONE)],
)
def health(cur: CursorDep) -> Health:
    """Answer when the database answers a trivial query."""
    cur.execute("SELECT 1")
    return Health(status="ok", database=cur.fetchone() == (1,))
