"""Throwaway PostgreSQL databases on the test server."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ADMIN_URL = os.environ.get(
    "TXNG_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(prefix: str = "txng_test", *, template: str | None = None) -> str:
    """A new database, empty or a copy of `template` (the URL of a database nobody uses)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        if template:
            source = urlsplit(template).path.lstrip("/")
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return with_database(ADMIN_URL, name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def terminate_connections(url: str) -> int:
    """Kill every backend connected to the database of `url` (as a server restart would)."""
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        row = cur.fetchone()
    conn.close()
    return int(row[0]) if row else 0


def allow_connections(url: str, allowed: bool) -> None:
    """Open or close the database of `url` to new connections (closing also kills current ones)."""
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
    conn.close()
    if not allowed:
        terminate_connections(url)
