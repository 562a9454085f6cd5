"""One-shot SQL for test assertions."""

from typing import Any

import psycopg2
from psycopg2 import sql


def query(
    url: str, statement: str | sql.Composable, params: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def scalar(url: str, statement: str, params: tuple[Any, ...] = ()) -> Any:
    return query(url, statement, params)[0][0]
