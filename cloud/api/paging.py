"""Pagination: `limit`/`offset` query parameters and the page every list route answers with."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

T = TypeVar("T")


class Paging(BaseModel):
    """Which slice of a list to return."""

    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=500, description="Rows per page (1-500)")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")] = 0,
) -> Paging:
    """The page asked for."""
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]


class Page(BaseModel, Generic[T]):
    """One page of a list and how many rows match in all."""

    items: list[T] = Field(description="The rows of this page")
    total: int = Field(description="Rows matching the filters, over all pages")
    limit: int = Field(description="Rows per page asked for")
    offset: int = Field(description="Rows skipped before this page")
