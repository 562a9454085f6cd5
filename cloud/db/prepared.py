"""Server-side prepared statements: a hot query is planned once per connection, run by name.

Planning the rollup and timeline queries costs about as much as running them (1-2 ms each);
a prepared statement keeps its plan for the connection's life. Statements are written with
psycopg2's named placeholders, `%(key)s`, as everywhere else; each placeholder must carry a
cast where PostgreSQL could not infer its type (`%(width)s::int`). A statement is prepared
on first use on each connection; PREPARE is not undone by a rollback, so what is recorded
here stays true for the connection.
"""

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_prepared: "weakref.WeakKeyDictionary[Connection, set[str]]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Statement:
    """A named statement: its SQL with $n placeholders and the parameter name of each n."""

    name: str
    sql: str
    keys: tuple[str, ...]


def statement(name: str, sql: str) -> Statement:
    """The statement `name` for `sql` written with %(key)s placeholders."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"statement name {name!r} is not a plain identifier")
    keys: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in keys:
            keys.append(match.group(1))
        return f"${keys.index(match.group(1)) + 1}"

    return Statement(name, _PLACEHOLDER.sub(number, sql).replace("%%", "%"), tuple(keys))


def execute(cur: Cursor, stmt: Statement, params: Mapping[str, Any]) -> None:
    """Run `stmt` with `params`, preparing it first if this connection has not yet."""
    preparing = to_prepare(cur.connection, stmt)
    if preparing is not None:
        cur.execute(preparing)
        prepared_on(cur.connection, stmt)
    cur.execute(*to_execute(stmt, params))


def to_prepare(conn: Connection, stmt: Statement) -> str | None:
    """The PREPARE of `stmt`, None when `conn` has it already."""
    return None if stmt.name in _prepared.get(conn, ()) else f"PREPARE {stmt.name} AS {stmt.sql}"


def prepared_on(conn: Connection, stmt: Statement) -> None:
    """Record that `conn` has prepared `stmt` (its PREPARE succeeded)."""
    _prepared.setdefault(conn, set()).add(stmt.name)


def to_execute(stmt: Statement, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The EXECUTE of prepared `stmt` with `params`, and its arguments."""
    arguments = ", ".join(["%s"] * len(stmt.keys))
    sql = f"EXECUTE {stmt.name} ({arguments})" if stmt.keys else f"EXECUTE {stmt.name}"
    return sql, [params[key] for key in stmt.keys]
