"""Dead letters: listed, read (with their payload) and marked replayed."""

from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import Where, fetch_dict, page

_LETTER_COLUMNS = (
    "l.id, l.received_at, l.topic, l.reason, l.detail, l.field, l.item_index, l.site_id, "
    "l.device_id, l.replayed_at, length(l.payload) AS payload_bytes"
)


def list_dead_letters(
    cur: Cursor,
    *,
    site: str | None,
    reason: str | None,
    replayed: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Dead letters by site, reason and whether they were replayed, newest first."""
    where = Where()
    where.when(site, "l.site_id = %(site)s", "site")
    where.when(reason, "l.reason = %(reason)s", "reason")
    if replayed is not None:
        where.add("l.replayed_at IS NOT NULL" if replayed else "l.replayed_at IS NULL")
    select = f"SELECT {_LETTER_COLUMNS} FROM dead_letters l"
    return page(
        cur,
        select=select,
        where=where,
        order="received_at DESC, id DESC",
        limit=limit,
        offset=offset,
    )


def get_dead_letter(cur: Cursor, *, letter_id: int, lock: bool = False) -> dict[str, Any] | None:
    """One dead letter with its payload bytes."""
    cur.execute(
        f"SELECT {_LETTER_COLUMNS}, l.payload FROM dead_letters l WHERE l.id = %s"
        + (" FOR UPDATE" if lock else ""),
        (letter_id,),
    )
    letter = fetch_dict(cur)
    if letter is not None:
        letter["payload"] = bytes(letter["payload"])
    return letter


def mark_replayed(cur: Cursor, *, letter_id: int) -> None:
    """Record that a dead letter was replayed and stored."""
    cur.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = %s", (letter_id,))
