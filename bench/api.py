"""API benchmark: the consumer page and the batch timeline under 50 concurrent clients.

Data: the batches benchmark's (bench/_timeline_data.py: 1,000 batches received, stored in one
of 200 cold rooms, packed into units and shipped; a minute reading per room for 30 days, as
many rooms as the COPY budget allows). The API runs as `txng cloud api` in a subprocess (its
uvicorn options included): by default one worker process (TXNG_API_WORKERS=1, the default),
with TXNG_API_DATABASE_CONNECTIONS such that the workers together hold 2 connections per CPU:
the database runs on these same cores, and more connections than that only make its backends
take turns (8 per worker cost 10-20 % more PostgreSQL CPU per timeline than 2). A timeline's
Python is about a third of its CPU, so one process keeps up with what the database can answer
here; with more workers (`--workers N`) each listens on its own SO_REUSEPORT socket and the
kernel spreads the 50 keep-alive connections by a hash of their addresses (21-29 per worker of
two; uvicorn's shared socket gave 17 and 33), once every worker listens: the warm-up's seconds
cover a second worker's start. The clients are a minimal asyncio HTTP/1.1 keep-alive client
in this process.

1. public_nocache: GET /01/{gtin}/10/{lot} (the consumer page, HTML) for random batches, from
   an API whose page cache is off (TXNG_API_PUBLIC_CACHE_S=0): every answer is a query and a
   rendering (`public_nocache_cache_hit_rate` stays 0).
2. public: the same with the cache on, from a fresh API process. Each API
   process keeps a finished page TXNG_API_PUBLIC_CACHE_S seconds (default 15) and serves it
   one more TTL while one background fetch renews it; `public_cache_hit_rate` and
   `public_cache_stale_rate` are the shares of answers that said X-Cache: hit and stale.
3. timeline: GET /api/batches/{id}/timeline (JSON, 500 series points) with an admin token,
   for random batches; nothing of it is cached (`timeline_cache_hit_rate` stays 0).

Each phase: a short warm-up, then `--seconds` of 50 clients each sending its next request as
soon as the last one is answered (`--phases timeline` runs only the timeline; all three by
default). Reads TXNG_DATABASE_URL when set (and loads the data unless
an earlier run of this bench or bench/timeline.py did), else makes a throwaway database. The
last stdout line is one JSON object.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2

from bench import _timeline_data as data
from bench._services import (
    DEFAULT_ADMIN_URL,
    ThrowawayDatabase,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    percentile,
    session_pids,
    wait_port,
)
from cloud.auth.command import create_token, create_user
from cloud.db.migrate import migrate
from cloud.db.pool import Database

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("public_nocache", "public", "timeline")


def log(text: str) -> None:
    print(f"[api] {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def database() -> Iterator[str]:
    given = os.environ.get("TXNG_DATABASE_URL")
    if given:
        yield given
        return
    with ThrowawayDatabase(DEFAULT_ADMIN_URL, "txng_api") as throwaway:
        yield throwaway.url


def load(db_url: str, args: argparse.Namespace) -> data.Dataset:
    """The batches benchmark's dataset (reused when an earlier run loaded it)."""
    migrate(db_url)
    return data.ensure_dataset(
        db_url,
        sensors=args.sensors,
        batch_count=args.batches,
        days=args.days,
        budget_s=args.copy_budget_s,
    )


def batches(db_url: str, ids: list[int]) -> list[tuple[int, str, str]]:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, gtin, lot FROM batches WHERE id = ANY(%s) ORDER BY id", (ids,))
        rows = [(int(i), str(g), str(lot)) for i, g, lot in cur.fetchall()]
    conn.close()
    return rows


def admin_token(db_url: str) -> str:
    db = Database(db_url, max_connections=1)
    try:
        create_user(db, username="bench-admin", role="admin", site=None, password=None)
        return create_token(db, username="bench-admin", name="bench")
    finally:
        db.close()


class Server:
    """A running API: its base URL, and the CPU its processes and PostgreSQL's use."""

    def __init__(self, base: str, session: int, db_url: str):
        self.base = base
        self.session = session
        self._db_url = db_url
        self.backends: list[int] = []

    def find_backends(self) -> None:
        """The PostgreSQL backends serving this database now (the API's pool, when warm)."""
        with psycopg2.connect(self._db_url) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            self.backends = [int(pid) for (pid,) in cur.fetchall()]
        conn.close()

    def backends_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each backend serving this database now (looked up anew).

        Backends only of this database: other databases on a shared server are not ours.
        """
        self.find_backends()
        return {pid: cpu_seconds([pid]) for pid in self.backends}

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: the API's processes and the whole machine."""
        return {"api": cpu_seconds(session_pids(self.session)), "machine": machine_busy_seconds()}


@contextlib.contextmanager
def api_server(
    db_url: str, workers: int, connections: int, **settings: str
) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "TXNG_DATABASE_URL": db_url,
        "TXNG_API_HOST": "127.0.0.1",
        "TXNG_API_PORT": str(port),
        "TXNG_API_WORKERS": str(workers),
        "TXNG_API_DATABASE_CONNECTIONS": str(connections),
        "TXNG_LOG_LEVEL": "WARNING",
        **settings,
    }
    # `txng cloud api` itself: its uvicorn options (the bounded request heads' protocol, no
    # Server header, the connection limit) are part of what a request costs.
    command = [sys.executable, "-c", "from txng.cli import main; raise SystemExit(main())"]
    command += ["cloud", "api"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_port("127.0.0.1", port, timeout=30)
        yield Server(f"http://127.0.0.1:{port}", process.pid, db_url)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _get(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    path: str,
    headers: dict[str, str],
) -> tuple[int, str | None]:
    """One keep-alive HTTP/1.1 GET; return the status and X-Cache (the body is dropped)."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    else:  # chunked
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, fields.get("x-cache")


async def hammer(
    base: str, paths: list[str], *, clients: int, seconds: float, headers: dict[str, str]
) -> tuple[list[float], float, int, Counter[str | None]]:
    """(latencies in ms, elapsed s, errors, X-Cache counts) of `clients` closed-loop clients.

    A minimal keep-alive HTTP/1.1 client, so that the clients' own CPU (on the same machine)
    takes as little as possible from the server being measured.
    """
    latencies: list[float] = []
    errors = 0
    caches: Counter[str | None] = Counter()
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds

    async def client(k: int) -> None:
        nonlocal errors
        rng = random.Random(k)
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.monotonic() < deadline:
                path = rng.choice(paths)
                t = time.perf_counter()
                status, cache = await _get(reader, writer, f"{host}:{port}", path, headers)
                latencies.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    errors += 1
                caches[cache] += 1
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return latencies, time.monotonic() - began, errors, caches


def measure(
    server: Server, name: str, paths: list[str], args: argparse.Namespace, headers: dict[str, str]
) -> dict[str, float]:
    """Latency, throughput and CPU per request of one phase.

    CPU per request (the API's processes, the database's backends, and the rest of the machine:
    the clients and whatever else runs on it; `clients_cpu_ms`: this process's, the clients'
    own part of it) tells what a request costs whatever other load shares the cores;
    `machine_busy` is the share of all cores busy during the phase and `loadavg` the machine's
    one-minute load average at its end (other work on a shared machine shows in both).
    """
    base = server.base
    asyncio.run(hammer(base, paths, clients=args.clients, seconds=args.warmup, headers=headers))
    backends = server.backends_cpu()
    before = server.cpu() | {"clients": time.process_time()}
    latencies, elapsed, errors, caches = asyncio.run(
        hammer(base, paths, clients=args.clients, seconds=args.seconds, headers=headers)
    )
    after = server.cpu() | {"clients": time.process_time()}
    used = {k: after[k] - before[k] for k in after}
    # Backends the pool opened during the phase count from their start.
    used["postgres"] = sum(s - backends.get(pid, 0.0) for pid, s in server.backends_cpu().items())
    log(f"{name}: {len(latencies)} requests in {elapsed:.1f} s, {errors} errors, X-Cache {caches}")
    if errors:
        raise SystemExit(f"{name}: {errors} requests failed")
    return {
        f"{name}_ms_p50": round(statistics.median(latencies), 1),
        f"{name}_ms_p95": round(percentile(latencies, 0.95), 1),
        f"{name}_rps": round(len(latencies) / elapsed, 1),
        f"{name}_cache_hit_rate": round(caches["hit"] / len(latencies), 3),
        f"{name}_cache_stale_rate": round(caches["stale"] / len(latencies), 3),
        f"{name}_api_cpu_ms": round(used["api"] * 1000 / len(latencies), 2),
        f"{name}_postgres_cpu_ms": round(used["postgres"] * 1000 / len(latencies), 2),
        f"{name}_other_cpu_ms": round(
            (used["machine"] - used["api"] - used["postgres"]) * 1000 / len(latencies), 2
        ),
        f"{name}_clients_cpu_ms": round(used["clients"] * 1000 / len(latencies), 2),
        f"{name}_machine_busy": round(used["machine"] / elapsed / (os.cpu_count() or 1), 2),
        f"{name}_loadavg": round(os.getloadavg()[0], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--copy-budget-s", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, help="per worker (default: 2 per CPU in all)")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated phases to run, in their order (default: {','.join(PHASES)})",
    )
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    if not phases <= set(PHASES):
        parser.error(f"--phases: not a phase: {', '.join(sorted(phases - set(PHASES)))}")
    if args.connections is None:
        args.connections = max(1, 2 * (os.cpu_count() or 1) // args.workers)
    began = time.monotonic()
    with database() as db_url:
        dataset = load(db_url, args)
        rows = batches(db_url, dataset.batch_ids)
        token = admin_token(db_url)
        public = [f"/01/{gtin}/10/{lot}" for _, gtin, lot in rows]
        timelines = [f"/api/batches/{batch_id}/timeline" for batch_id, _, _ in rows]
        result: dict[str, object] = {
            "batches": len(rows),
            "readings": dataset.readings,
            "reused_data": dataset.reused,
        }
        # The consumer page with its cache off: every answer a query and a rendering.
        nocache = {"TXNG_API_PUBLIC_CACHE_S": "0"}
        if "public_nocache" in phases:
            with api_server(db_url, args.workers, args.connections, **nocache) as base:
                result |= measure(base, "public_nocache", public, args, {})
        with contextlib.ExitStack() as stack:
            if phases & {"public", "timeline"}:
                base = stack.enter_context(api_server(db_url, args.workers, args.connections))
            if "public" in phases:
                result |= measure(base, "public", public, args, {})
            if "timeline" in phases:
                auth = {"Authorization": f"Bearer {token}"}
                result |= measure(base, "timeline", timelines, args, auth)
    result |= {"clients": args.clients, "workers": args.workers, "connections": args.connections}
    log(f"total {time.monotonic() - began:.0f} s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
