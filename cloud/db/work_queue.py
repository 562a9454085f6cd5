"""The derived-work queue: kinds and keys; enqueue (merging time ranges), claim, done, retry.

A kind of work is declared once, as a `WorkKind` in the package that does it (its name, the
typed key it is queued under and its handler); `cloud.derive.registry` gathers them. A key is
stored as its fields joined by `|` (`encode_key`, and `key_sql` for SQL that must match it).

Work is claimed for a lease in a short transaction of its own (`claim`), worked on in another
that ends with `done` (or `retry_later`), so no row lock is held while a handler runs: an
ingester queuing more work on a claimed key never waits. That work widens the row's range (so
readers still see it all as pending) and is noted apart (`requeued_*`); `done` then deletes the
row, or leaves just the work queued since the claim. A claimant that dies loses its claims when
their lease runs out; a claim taken over meanwhile is not the old claimant's to finish.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, get_type_hints
from uuid import UUID, uuid4

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

_SEPARATOR = "|"


@dataclass(frozen=True)
class Work:
    """One unit of derived work: a kind, a key, and the event-time range it concerns."""

    kind: str
    key: str
    from_time: datetime | None = None
    to_time: datetime | None = None


KeyT = TypeVar("KeyT", bound=tuple[Any, ...])


def encode_key(key: tuple[Any, ...]) -> str:
    """A typed key (a NamedTuple) as the queue stores it."""
    return _SEPARATOR.join(str(part) for part in key)


def key_sql(key_type: type[tuple[Any, ...]], **fields: str) -> str:
    """SQL of a key from one SQL expression per field of `key_type` (as `encode_key` writes it)."""
    names: tuple[str, ...] = getattr(key_type, "_fields")  # noqa: B009 - a NamedTuple's
    if set(fields) != set(names):
        raise ValueError(f"{key_type.__name__} has fields {names}, not {sorted(fields)}")
    return f" || '{_SEPARATOR}' || ".join(f"({fields[name]})::text" for name in names)


@dataclass(frozen=True)
class WorkKind(Generic[KeyT]):
    """One kind of derived work: its name, the key type it is queued under, what does it."""

    name: str
    key: type[KeyT]
    handler: Callable[[Cursor, KeyT, "Work"], None]
    _parsers: tuple[Callable[[str], Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hints = get_type_hints(self.key)
        names: tuple[str, ...] = getattr(self.key, "_fields")  # noqa: B009 - a NamedTuple's
        parsers = tuple(int if hints[name] is int else str for name in names)
        object.__setattr__(self, "_parsers", parsers)

    def work(
        self, key: KeyT, from_time: datetime | None = None, to_time: datetime | None = None
    ) -> Work:
        """Work of this kind on `key`, over the given event-time range."""
        return Work(self.name, encode_key(key), from_time, to_time)

    def queued(self, key: KeyT) -> tuple[str, str]:
        """The (kind, key) pair under which work on `key` waits (see `pending_of`)."""
        return self.name, encode_key(key)

    def key_of(self, work: Work) -> KeyT:
        """The typed key of queued work of this kind."""
        parts = work.key.split(_SEPARATOR, len(self._parsers) - 1)
        return self.key(*(parse(part) for parse, part in zip(self._parsers, parts, strict=True)))

    def handle(self, cur: Cursor, work: Work) -> None:
        """Do `work` (in the caller's transaction)."""
        self.handler(cur, self.key_of(work), work)


def merged(work: Sequence[Work]) -> list[Work]:
    """One item per (kind, key), its time range widened to cover all of them; in key order."""
    by_key: dict[tuple[str, str], Work] = {}
    for item in work:
        key = (item.kind, item.key)
        old = by_key.get(key)
        if old is None:
            by_key[key] = item
            continue
        by_key[key] = Work(
            item.kind,
            item.key,
            _least(old.from_time, item.from_time),
            _greatest(old.to_time, item.to_time),
        )
    return [w for _, w in sorted(by_key.items())]


def enqueue(cur: Cursor, work: Sequence[Work]) -> None:
    """Queue work; a key already waiting gets its time range widened instead of a second row.

    Never waits for a derive worker (claims hold no lock); on a claimed key the work is also
    noted as queued since the claim, which `done` leaves behind.
    """
    items = merged(work)
    if not items:
        return
    execute_values(
        cur,
        "INSERT INTO work_queue AS w (kind, key, from_time, to_time) VALUES %s "
        "ON CONFLICT (kind, key) DO UPDATE SET "
        "from_time = least(w.from_time, excluded.from_time), "
        "to_time = greatest(w.to_time, excluded.to_time), "
        "requeued = true, "
        "requeued_from = least(w.requeued_from, excluded.from_time), "
        "requeued_to = greatest(w.requeued_to, excluded.to_time)",
        [(w.kind, w.key, w.from_time, w.to_time) for w in items],
        template="(%s, %s, %s::timestamptz, %s::timestamptz)",
        page_size=len(items),
    )


@dataclass(frozen=True)
class Claim:
    """Work claimed by one `claim` call: its token and the items, each to be done or retried."""

    token: UUID
    works: list[Work]


def claim(cur: Cursor, *, limit: int, lease_s: float, kinds: Sequence[str] | None = None) -> Claim:
    """Claim up to `limit` due items for `lease_s` seconds (skipping rows being written).

    Commit right after: the claim holds no lock. Items whose claim ran out are due again.
    """
    token = uuid4()
    cur.execute(
        "UPDATE work_queue w SET claimed_by = %(token)s, "
        "claimed_until = now() + make_interval(secs => %(lease)s), "
        "requeued = false, requeued_from = NULL, requeued_to = NULL "
        "FROM (SELECT kind, key FROM work_queue WHERE not_before <= now()"
        " AND (claimed_until IS NULL OR claimed_until < now())"
        " AND (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s::text[]))"
        " ORDER BY enqueued_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS due "
        "WHERE w.kind = due.kind AND w.key = due.key "
        "RETURNING w.kind, w.key, w.from_time, w.to_time, w.enqueued_at",
        {
            "token": str(token),
            "lease": lease_s,
            "limit": limit,
            "kinds": list(kinds) if kinds else None,
        },
    )
    rows = sorted(cur.fetchall(), key=lambda row: row[4])
    return Claim(token, [Work(kind, key, low, high) for kind, key, low, high, _ in rows])


def done(cur: Cursor, token: UUID, work: Work, *, settle_s: float = 0.0) -> None:
    """Finish claimed work (in the transaction that did it): what was queued since remains.

    That remainder is due `settle_s` from now: a key that keeps getting work while it is being
    done (a busy series) is then done about once per `settle_s`, on all its work at once,
    instead of over and over; a key whose work was not added to meanwhile never waits.
    """
    where = "kind = %s AND key = %s AND claimed_by = %s"
    cur.execute(f"DELETE FROM work_queue WHERE {where} AND NOT requeued", (*_row(work), str(token)))
    if cur.rowcount:
        return
    cur.execute(
        "UPDATE work_queue SET from_time = requeued_from, to_time = requeued_to, "
        "requeued = false, requeued_from = NULL, requeued_to = NULL, "
        "not_before = greatest(not_before, now() + make_interval(secs => %s)), "
        f"claimed_by = NULL, claimed_until = NULL WHERE {where}",
        (settle_s, *_row(work), str(token)),
    )


def retry_later(cur: Cursor, token: UUID, work: Work, *, error: str, delay_s: float) -> None:
    """Give failed claimed work back, due again after `delay_s`, with the error for operators."""
    cur.execute(
        "UPDATE work_queue SET attempts = attempts + 1, last_error = %s, "
        "not_before = now() + make_interval(secs => %s), claimed_by = NULL, "
        "claimed_until = NULL WHERE kind = %s AND key = %s AND claimed_by = %s",
        (error[:2000], delay_s, *_row(work), str(token)),
    )


def release(cur: Cursor, token: UUID) -> None:
    """Give back whatever is still claimed under `token` (not worked on), due at once."""
    cur.execute(
        "UPDATE work_queue SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = %s",
        (str(token),),
    )


def _row(work: Work) -> tuple[str, str]:
    return work.kind, work.key


def pending(cur: Cursor) -> int:
    """How many work items wait."""
    cur.execute("SELECT count(*) FROM work_queue")
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _least(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _greatest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def pending_of(cur: Cursor, keys: Sequence[tuple[str, str]]) -> int:
    """How many of the given (kind, key) pairs have work waiting (or being worked on)."""
    if not keys:
        return 0
    cur.execute(
        "SELECT count(*) FROM work_queue w JOIN unnest(%s::text[], %s::text[]) AS k(kind, key) "
        "USING (kind, key)",
        ([k[0] for k in keys], [k[1] for k in keys]),
    )
    row = cur.fetchone()
    return int(row[0]) if row else 0
