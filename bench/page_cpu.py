"""In-process CPU per cache-off consumer page or timeline: the ASGI application without sockets.

The decision figure for a route's own Python on a shared machine: `--clients` requests at
once (`--route page`: GET /01/{gtin}/10/{lot} of random bench batches, Vietnamese;
`--route timeline`: GET /api/batches/{id}/timeline with an admin token) are passed straight
to the application built as `txng cloud api` builds it (TXNG_API_PUBLIC_CACHE_S=0: every
answer a query and a rendering, in uvloop as uvicorn runs it); the process's CPU time over
`--pages` answers, `--rounds` times, and the CPU of the database's backends serving it
(PostgreSQL on this machine). No HTTP parsing, sockets or uvicorn: bench/api.py measures
those. Reads TXNG_DATABASE_URL (a database bench/api.py or bench/timeline.py loaded). The last
stdout line is one JSON object; compare code before and after alternately, in turns.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2
import uvloop

from bench._services import cpu_seconds
from bench.api import admin_token
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings


def page_paths(db_url: str) -> list[str]:
    """The consumer pages of the bench's batches."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT gtin, lot FROM batches WHERE lot LIKE 'B%%' ORDER BY lot")
        rows = cur.fetchall()
    conn.close()
    return [f"/01/{gtin}/10/{lot}" for gtin, lot in rows]


def timeline_paths(db_url: str) -> list[str]:
    """The timelines of the bench's batches."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM batches WHERE lot LIKE 'B%%' ORDER BY lot")
        rows = cur.fetchall()
    conn.close()
    return [f"/api/batches/{batch_id}/timeline" for (batch_id,) in rows]


def backend_pids(db_url: str) -> list[int]:
    """The PostgreSQL backends serving this database now, but the one asking."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [int(pid) for (pid,) in cur.fetchall()]
    conn.close()
    return pids


async def get(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
    """One GET as uvicorn hands it to the application; any answer but 200 stops the bench."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "scheme": "http",
        "method": "GET", "root_path": "", "path": path, "raw_path": path.encode(),
        "query_string": b"", "headers": [(b"host", b"127.0.0.1:8000"), *headers], "state": {},
    }
    await app(scope, receive, send)
    if status != 200:
        raise SystemExit(f"{path}: {status}")


async def pages(
    app: Any,
    paths: list[str],
    count: int,
    clients: int,
    rng: random.Random,
    headers: list[tuple[bytes, bytes]],
) -> None:
    async def client() -> None:
        for _ in range(count // clients):
            await get(app, rng.choice(paths), headers)

    await asyncio.gather(*(client() for _ in range(clients)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--route", choices=("page", "timeline"), default="page")
    args = parser.parse_args()
    db_url = os.environ["TXNG_DATABASE_URL"]
    headers: list[tuple[bytes, bytes]] = []
    if args.route == "timeline":
        headers.append((b"authorization", f"Bearer {admin_token(db_url)}".encode()))
    settings = load_api_settings(
        database_url=db_url, api_public_cache_s=0, api_database_connections=args.clients
    )
    app = create_app(settings)
    paths = page_paths(db_url) if args.route == "page" else timeline_paths(db_url)
    rng = random.Random(1)

    async def run() -> tuple[list[float], list[float]]:
        # Connections opened, statements prepared.
        await pages(app, paths, 400, args.clients, rng, headers)
        backends = backend_pids(db_url)
        per_page, database_per_page = [], []
        for _ in range(args.rounds):
            began, database_began = time.process_time(), cpu_seconds(backends)
            await pages(app, paths, args.pages, args.clients, rng, headers)
            per_page.append((time.process_time() - began) * 1000 / args.pages)
            database_per_page.append((cpu_seconds(backends) - database_began) * 1000 / args.pages)
        app.state.reads.close()
        app.state.database.close()
        return per_page, database_per_page

    per_page, database_per_page = uvloop.run(run())
    result = {
        "route": args.route,
        "cpu_ms_per_page": [round(ms, 3) for ms in per_page],
        "median": round(sorted(per_page)[len(per_page) // 2], 3),
        "database_cpu_ms_per_page": [round(ms, 3) for ms in database_per_page],
        "database_median": round(sorted(database_per_page)[len(database_per_page) // 2], 3),
        "loadavg": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
