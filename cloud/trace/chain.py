"""A tamper-evident hash chain over each site's stored events: append as work, verify on demand.

Order: events are chained per site in the order the chain worker finds them, which is arrival
order (received_at, then id) among the events not yet chained. A late event (old event time,
new arrival) is appended at the end; nothing already chained is ever rewritten, so a link's
position never changes. hash = sha256(prev_hash || canonical bytes of the stored event), and
the first link's prev_hash is 32 zero bytes. Editing, deleting or re-timing a chained event, or
editing a link, breaks the chain from that link on.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.db import chain_store as store
from cloud.db.locks import lock
from cloud.db.pool import Database
from cloud.db.work_queue import Work, WorkKind

GENESIS = bytes(32)


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def canonical_bytes(columns: Sequence[Any]) -> bytes:
    """The stored event as canonical JSON: its chained columns in order, times in UTC."""
    values = [_canonical_value(v) for v in columns]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def link_hash(prev_hash: bytes, columns: Sequence[Any]) -> bytes:
    """sha256(prev_hash || canonical event bytes)."""
    return hashlib.sha256(prev_hash + canonical_bytes(columns)).digest()


class SiteKey(NamedTuple):
    """A site (with the received_at range of its events to chain)."""

    site: str


def handle_chain(cur: Cursor, key: SiteKey, work: Work) -> None:
    """Append the site's newly stored events to its chain (one worker per site at a time)."""
    site = key.site
    lock(cur, f"chain:{site}")
    rows = store.unchained_events(cur, site, work.from_time)
    if not rows:
        return
    position, prev = store.head(cur, site) or (0, GENESIS)
    links = []
    for columns in rows:
        position += 1
        digest = link_hash(prev, columns)
        links.append(store.Link(site, position, str(columns[0]), columns[1], prev, digest))
        prev = digest
    store.append(cur, links)


@dataclass(frozen=True)
class BrokenLink:
    """The first link that does not check out, and why."""

    position: int
    event_id: str
    reason: str


@dataclass(frozen=True)
class SiteReport:
    """The outcome of verifying one site's chain."""

    site: str
    links: int
    unchained: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        """Whether every link checks out."""
        return self.broken is None


# Chain a site's newly stored events (queued with each stored batch of events).
EVENT_CHAIN = WorkKind("event_chain", SiteKey, handle_chain)


def verify_site(
    database: Database, site: str, expected: Mapping[int, bytes] | None = None
) -> SiteReport:
    """Recompute the site's chain from the stored events; report the first broken link.

    `expected`: hashes that links must have (a report's references, by position): a link
    whose hash differs, or that does not exist, is broken too.
    """
    expected = expected or {}
    with database.transaction() as conn:
        expected_prev, count, broken = GENESIS, 0, None
        for link, columns in store.walk(conn, site):
            count += 1
            if link.position != count:
                broken = BrokenLink(link.position, link.event_id, f"link {count} is missing")
            elif link.prev_hash != expected_prev:
                broken = BrokenLink(link.position, link.event_id, "previous hash does not match")
            elif columns is None:
                broken = BrokenLink(
                    link.position, link.event_id, "event deleted, or its id or time changed"
                )
            elif link_hash(link.prev_hash, columns) != link.hash:
                broken = BrokenLink(link.position, link.event_id, "event content changed")
            elif expected.get(link.position, link.hash) != link.hash:
                broken = BrokenLink(
                    link.position, link.event_id, "hash differs from the expected reference"
                )
            if broken is not None:
                break
            expected_prev = link.hash
        with conn.cursor() as cur:
            unchained = store.unchained_count(cur, site)
    beyond = sorted(p for p in expected if p > count)
    if broken is None and beyond:
        broken = BrokenLink(beyond[0], "", f"link {beyond[0]} does not exist")
    return SiteReport(site, count, unchained, broken)


def verify(
    database: Database, site: str | None = None, expected: Mapping[int, bytes] | None = None
) -> list[SiteReport]:
    """Verify one site's chain (checking `expected` link hashes too), or every site's."""
    if site is not None:
        return [verify_site(database, site, expected)]
    with database.transaction() as conn, conn.cursor() as cur:
        sites = store.chained_sites(cur)
    return [verify_site(database, s) for s in sites]
