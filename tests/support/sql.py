"""One-shot SQL for test assertions."""

from typing import Any

import psycopg2


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def scalar(url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    return query(url, sql, params)[0][0]
