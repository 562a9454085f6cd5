"""SQL of the per-site hash chain over stored events: unchained events, head, links, walk."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.events_store import CHAINED_COLUMNS
from cloud.db.timeline_store import BATCH_EVENTS_SQL

# jsonb renders in a normalised form, so its text is stable.
_SELECT = ", ".join(
    f"e.{c}::text" if c in ("id", "identifiers") else f"e.{c}" for c in CHAINED_COLUMNS
)


@dataclass(frozen=True)
class Link:
    """One link of a site's chain."""

    site: str
    position: int
    event_id: str
    event_time: datetime
    prev_hash: bytes
    hash: bytes


def unchained_events(cur: Cursor, site: str, since: datetime | None) -> list[tuple[Any, ...]]:
    """The site's stored events not chained yet, in arrival order (received_at, then id)."""
    cur.execute(
        f"SELECT {_SELECT} FROM events e WHERE e.site_id = %(site)s "
        "AND (%(since)s::timestamptz IS NULL OR e.received_at >= %(since)s) "
        "AND NOT EXISTS (SELECT 1 FROM event_chain c WHERE c.event_id = e.id "
        " AND c.event_time = e.time) ORDER BY e.received_at, e.id",
        {"site": site, "since": since},
    )
    return list(cur.fetchall())


def head(cur: Cursor, site: str) -> tuple[int, bytes] | None:
    """The last link's position and hash, if the site has a chain."""
    cur.execute(
        "SELECT position, hash FROM event_chain WHERE site_id = %s ORDER BY position DESC LIMIT 1",
        (site,),
    )
    row = cur.fetchone()
    return (int(row[0]), bytes(row[1])) if row else None


def append(cur: Cursor, links: Sequence[Link]) -> None:
    """Store new links."""
    if links:
        execute_values(
            cur,
            "INSERT INTO event_chain (site_id, position, event_id, event_time, prev_hash, hash) "
            "VALUES %s",
            [(k.site, k.position, k.event_id, k.event_time, k.prev_hash, k.hash) for k in links],
        )


def chained_sites(cur: Cursor) -> list[str]:
    """Every site that has a chain or stored events."""
    cur.execute(
        "SELECT site_id FROM event_chain GROUP BY site_id UNION SELECT id FROM sites ORDER BY 1"
    )
    return [row[0] for row in cur.fetchall()]


def walk(
    conn: Connection, site: str, *, chunk: int = 5000
) -> Iterator[tuple[Link, tuple[Any, ...] | None]]:
    """Each link in position order with its event's stored columns (None: the event is gone)."""
    with conn.cursor(name=f"chain_walk_{abs(hash(site))}") as cur:
        cur.itersize = chunk
        cur.execute(
            f"SELECT c.position, c.event_id::text, c.event_time, c.prev_hash, c.hash, "
            f"e.id IS NOT NULL, {_SELECT} FROM event_chain c "
            "LEFT JOIN events e ON e.id = c.event_id AND e.time = c.event_time "
            "WHERE c.site_id = %s ORDER BY c.position",
            (site,),
        )
        for position, event_id, event_time, prev, digest, found, *columns in cur:
            link = Link(site, int(position), event_id, event_time, bytes(prev), bytes(digest))
            yield link, (tuple(columns) if found else None)


def unchained_count(cur: Cursor, site: str) -> int:
    """How many of the site's events are not chained (yet: the chain worker may be behind)."""
    cur.execute(
        "SELECT count(*) FROM events e WHERE e.site_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM event_chain c WHERE c.event_id = e.id AND c.event_time = e.time)",
        (site,),
    )
    row = cur.fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class ChainedEvent:
    """An event with its place in its site's chain (position and hash None: not chained yet)."""

    time: datetime
    event_id: str
    site_id: str
    location: str
    biz_step: str
    position: int | None
    hash: bytes | None


def _with_links(cur: Cursor, events_sql: str, params: dict[str, Any]) -> list[ChainedEvent]:
    cur.execute(
        f"WITH ev AS ({events_sql}) SELECT DISTINCT ev.time, ev.id::text, ev.site_id, "
        "ev.location, ev.biz_step, c.position, c.hash FROM ev LEFT JOIN event_chain c "
        "ON c.event_id = ev.id::uuid AND c.event_time = ev.time ORDER BY 1, 2",
        params,
    )
    return [
        ChainedEvent(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            None if row[5] is None else int(row[5]),
            _bytes(row[6]),
        )
        for row in cur.fetchall()
    ]


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def batch_events_chained(cur: Cursor, batch_id: int) -> list[ChainedEvent]:
    """The batch's events (as its timeline lists them) with their chain links, in time order."""
    return _with_links(cur, BATCH_EVENTS_SQL, {"b": batch_id})


def unit_events_chained(cur: Cursor, sscc: str) -> list[ChainedEvent]:
    """The unit's own events (scans of its SSCC) with their chain links, in time order."""
    return _with_links(
        cur,
        "SELECT e.time, e.id, e.site_id, e.location, e.biz_step FROM events e "
        "WHERE e.sscc = %(sscc)s::bpchar",
        {"sscc": sscc},
    )
