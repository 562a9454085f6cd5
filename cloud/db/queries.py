"""Helpers every query module shares: rows as dicts, WHERE clauses from filters, a page of rows."""

from dataclasses import dataclass, field
from typing import Any

from psycopg2.extensions import cursor as Cursor


def fetch_dicts(cur: Cursor) -> list[dict[str, Any]]:
    """The remaining rows of the last query, as dicts by column name."""
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def fetch_dict(cur: Cursor) -> dict[str, Any] | None:
    """The next row of the last query as a dict by column name (None: no row)."""
    row = cur.fetchone()
    if row is None:
        return None
    names = [d[0] for d in cur.description or ()]
    return dict(zip(names, row, strict=True))


@dataclass
class Where:
    """A WHERE clause built from optional filters; parameters stay parameters."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        """AND `clause` (with %(name)s placeholders) into the filter."""
        self.clauses.append(clause)
        self.params.update(params)

    def when(self, value: Any, clause: str, name: str) -> None:
        """AND `clause` when `value` is not None, binding it as %(name)s."""
        if value is not None:
            self.add(clause, **{name: value})

    @property
    def sql(self) -> str:
        """`WHERE a AND b`, or nothing."""
        return f"WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def page(
    cur: Cursor, *, select: str, where: Where, order: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of `select … where … order by` and the total count of matching rows."""
    params = {**where.params, "_limit": limit, "_offset": offset}
    cur.execute(
        f"SELECT *, count(*) OVER () AS _total FROM ({select} {where.sql}) q "
        f"ORDER BY {order} LIMIT %(_limit)s OFFSET %(_offset)s",
        params,
    )
    rows = fetch_dicts(cur)
    if rows:
        total = int(rows[0]["_total"])
    elif offset:
        cur.execute(f"SELECT count(*) FROM ({select} {where.sql}) q", where.params)
        count = cur.fetchone()
        total = int(count[0]) if count else 0
    else:
        total = 0
    for row in rows:
        del row["_total"]
    return rows, total
