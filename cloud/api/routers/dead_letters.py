"""Dead letters: what could not be stored, why, and a replay once the cause is fixed."""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from psycopg2.extensions import cursor as Cursor
from pydantic import BaseModel, Field

from cloud.api.access import SiteReader, SiteWriter
from cloud.api.auth import Principal
from cloud.api.deps import CursorDep, DatabaseDep
from cloud.api.errors import ApiError, ErrorBody
from cloud.api.paging import Page, PagingDep
from cloud.db import dead_letters_store as store
from cloud.ingest.replay import replay_dead_letter

router = APIRouter(
    prefix="/api/dead-letters",
    tags=["dead letters"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

LetterId = Annotated[int, Path(ge=1, le=2**62, description="Dead letter id")]


class DeadLetter(BaseModel):
    """A message (or one item of it) that could not be stored."""

    id: int = Field(description="Dead letter id")
    received_at: datetime = Field(description="When the ingester received it")
    topic: str = Field(description="MQTT topic")
    reason: str = Field(description="Why (a contract error reason, device_rejected, …)")
    detail: str = Field(description="What exactly was wrong")
    field: str | None = Field(description="The offending field, when one is known")
    item_index: int | None = Field(description="Index of the item in its message (null: all)")
    site_id: str | None = Field(description="Site, from the topic")
    device_id: str | None = Field(description="Device, from the topic")
    replayed_at: datetime | None = Field(description="When a replay stored it")
    payload_bytes: int = Field(description="Size of the stored payload")


class DeadLetterDetail(DeadLetter):
    """A dead letter with its payload."""

    payload_text: str | None = Field(description="The payload as UTF-8 text, when it is text")
    payload_base64: str = Field(description="The payload bytes, base64")


class Replay(BaseModel):
    """The result of a replay."""

    id: int = Field(description="Dead letter id")
    replayed: bool = Field(description="Stored now (and marked replayed)")
    stored: dict[str, int] = Field(description="New rows by kind (reading, scan, status)")
    duplicates: dict[str, int] = Field(description="Rows that were already stored, by kind")
    problems: list[str] = Field(description="Why it failed again, if it did")


def _visible(cur: Cursor, principal: Principal, letter_id: int) -> dict[str, Any]:
    row = store.get_dead_letter(cur, letter_id=letter_id)
    if row is None or not principal.sees(row["site_id"]):
        raise ApiError(404, "not_found", f"no dead letter {letter_id}")
    return row


@router.get("", response_model=Page[DeadLetter], summary="List dead letters")
def list_dead_letters(
    principal: SiteReader,
    cur: CursorDep,
    paging: PagingDep,
    site: Annotated[str | None, Query(max_length=64, description="Site")] = None,
    reason: Annotated[str | None, Query(max_length=64, description="Reason")] = None,
    replayed: Annotated[bool | None, Query(description="Replayed already or not")] = None,
) -> Page[DeadLetter]:
    """Dead letters, newest first; operators see their site's only."""
    rows, total = store.list_dead_letters(
        cur,
        site=principal.scope(site),
        reason=reason,
        replayed=replayed,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [DeadLetter.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{letter_id}",
    response_model=DeadLetterDetail,
    summary="One dead letter with its payload",
    responses={404: {"model": ErrorBody}},
)
def get_dead_letter(principal: SiteReader, cur: CursorDep, letter_id: LetterId) -> DeadLetterDetail:
    """The dead letter and its payload (as text when it is UTF-8, and always as base64)."""
    row = _visible(cur, principal, letter_id)
    payload: bytes = row.pop("payload")
    try:
        text: str | None = payload.decode()
    except UnicodeDecodeError:
        text = None
    return DeadLetterDetail(
        **row, payload_text=text, payload_base64=base64.b64encode(payload).decode()
    )


@router.post(
    "/{letter_id}/replay",
    response_model=Replay,
    summary="Replay a dead letter",
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def replay(
    principal: SiteWriter, cur: CursorDep, database: DatabaseDep, letter_id: LetterId
) -> Replay:
    """Run the stored payload through the ingester's triage and storage again.

    For after the cause is fixed (master data imported, device approved). 409 when it fails
    again; `problems` in the error message say why.
    """
    row = _visible(cur, principal, letter_id)
    if row["replayed_at"] is not None:
        raise ApiError(409, "conflict", f"dead letter {letter_id} was replayed already")
    outcome = replay_dead_letter(database, letter_id)
    if outcome is None:
        raise ApiError(404, "not_found", f"no dead letter {letter_id}")
    if not outcome.ok:
        raise ApiError(409, "conflict", "; ".join(outcome.problems))
    return Replay(
        id=letter_id,
        replayed=True,
        stored=outcome.stored,
        duplicates=outcome.duplicates,
        problems=[],
    )
