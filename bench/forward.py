"""Forwarding benchmark: events/s to the portal simulator, and a 100,000-event backlog's drain.

1. throughput: `--events` queued events forwarded to a simulator that answers every request
   in 50 ms (no rate limit): events/s.
2. backlog: `--backlog` queued events drained to a simulator that allows `--rate-limit`
   requests/s (answering 429 + Retry-After beyond it); the forwarder is told the portal's limit
   and paces itself to it. share_of_rate_limit = successful requests/s during the drain ÷ the
   limit: the drain should be limited by the portal's allowed rate, not by us (≥ 0.9).

Events cycle through harvest, packing, cold storage and shipping (stay summaries are looked up
for the last two), 1,000 per batch. Each send claims `--batch` events; its stage events go
in one bulk create and one bulk confirm per stage (the portal's paths name the stage). The
simulator runs as its own process (`txng portal-sim`), the forwarder in this one. Reads
TXNG_DATABASE_URL when set, else makes a throwaway database on
postgresql://postgres@127.0.0.1:5432/postgres. The last stdout line is one JSON object.
"""

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._services import (
    free_port,
    given_or_throwaway_database,
    wait_port,
)
from cloud.db.forward_store import enqueue_events, register_destination
from cloud.db.ingest_store import Received, store_events
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.forward.portal.adapter import PortalAdapter
from cloud.forward.portal.settings import load_mapping
from contract import ClockQuality, ScanEvent, new_item_id
from contract.items import Gs1Identifiers

log = logging.getLogger("bench.forward")
SITE = "bench-fwd"
GTIN = "08936012345001"
STEPS = [
    ("commissioning", "orchard"),
    ("packing", "packing-line"),
    ("storing", "cold-room"),
    ("shipping", "cold-room"),
]
START = datetime(2026, 7, 1, tzinfo=UTC)


def seed(database: Database) -> None:
    """A site, its places, one registrable product (idempotent)."""
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sites (id, name) VALUES (%s, 'bench') ON CONFLICT DO NOTHING", (SITE,)
        )
        cur.execute(
            "INSERT INTO locations (site_id, code, kind, name) VALUES "
            "(%(s)s, 'orchard', 'farm_plot', 'Orchard'), "
            "(%(s)s, 'packing-line', 'packing_line', 'Packing'), "
            "(%(s)s, 'cold-room', 'cold_room', 'Cold room') ON CONFLICT DO NOTHING",
            {"s": SITE},
        )
        cur.execute(
            "INSERT INTO products (gtin, name, product_group, image_url, net_content) VALUES "
            "(%s, 'Nhãn lồng', 'fresh-fruit', 'https://example.org/a.jpg', '1 kg') "
            "ON CONFLICT DO NOTHING",
            (GTIN,),
        )


def queue(database: Database, destination: str, count: int, per_lot: int) -> None:
    """Register a destination (the only active one) and queue `count` events for it."""
    tag = uuid.uuid4().hex[:6]
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("UPDATE forward_destinations SET active = false")
        register_destination(cur, name=destination, adapter="portal")
        lots = [f"{tag}-{n}" for n in range((count + per_lot - 1) // per_lot)]
        cur.execute(
            "INSERT INTO batches (gtin, lot, production_date, quantity, unit) "
            "SELECT %s, unnest(%s::text[]), '2026-07-01', 1000, 'kg'",
            (GTIN, lots),
        )
    now = datetime.now(UTC)
    for chunk in range(0, count, 10_000):
        received = []
        for n in range(chunk, min(count, chunk + 10_000)):
            step, location = STEPS[n % len(STEPS)]
            event = ScanEvent(
                id=new_item_id(),
                device_time=START + timedelta(seconds=n),
                clock=ClockQuality.SYNCED,
                seq=n,
                reader="scanner-1",
                location=location,
                biz_step=step,
                raw=f"bench-{n}",
                gs1=Gs1Identifiers(gtin=GTIN, lot=lots[n // per_lot]),
            )
            received.append(Received(SITE, "bench-pi", now, event))
        with database.transaction() as conn, conn.cursor() as cur:
            store_events(cur, received)
            enqueue_events(cur, received)


@contextlib.contextmanager
def simulator(*flags: str) -> Iterator[str]:
    """`txng portal-sim` in its own process on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "txng.cli", "portal-sim", "--port", str(port), *flags],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TXNG_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port("127.0.0.1", port, 20)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def drain(
    database: Database, url: str, destination: str, *, senders: int, batch: int, rate: float | None
) -> float:
    """Forward everything pending for `destination`; return the seconds it took."""
    mapping = load_mapping(base_url=url, max_batch=batch, rate_limit_per_s=rate)
    adapter = PortalAdapter(
        database, mapping, client_id="txng", client_secret="txng-secret", destination=destination
    )
    forwarder = Forwarder(
        database, adapter, backoff=Backoff(0.2, 5.0), senders=senders, idle_wait_s=0.05
    )
    started = time.monotonic()
    forwarder.start()
    try:
        while True:
            with database.transaction() as conn, conn.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM forward_outbox WHERE destination = %s "
                    "AND state = 'pending'",
                    (destination,),
                )
                row = cur.fetchone()
            if not row or row[0] == 0:
                break
            time.sleep(0.05)
        took = time.monotonic() - started
    finally:
        forwarder.stop()
        adapter.close()
    log.info("drained %s in %.1f s: %s", destination, took, forwarder.counts)
    return took


def main() -> None:
    """Run both phases and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--per-lot", type=int, default=1_000)
    parser.add_argument("--rate-limit", type=float, default=50.0, help="simulator requests/s")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument(
        "--batch", type=int, default=200, help="events per send (one bulk request per stage)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with given_or_throwaway_database("txng_fwd") as url:
        migrate(url)
        database = Database(url, max_connections=2 * args.senders + 4)
        try:
            seed(database)
            run = uuid.uuid4().hex[:6]
            queue(database, f"bench-tp-{run}", args.events, args.per_lot)
            with simulator("--latency-s", str(args.latency)) as sim:
                took = drain(
                    database,
                    sim,
                    f"bench-tp-{run}",
                    senders=args.senders,
                    batch=args.batch,
                    rate=None,
                )
            events_per_s = args.events / took
            started = time.monotonic()
            queue(database, f"bench-bl-{run}", args.backlog, args.per_lot)
            log.info("queued %d events in %.1f s", args.backlog, time.monotonic() - started)
            flags = ("--latency-s", str(args.latency), "--rate-limit-per-s", str(args.rate_limit))
            with simulator(*flags) as sim:
                drain_s = drain(
                    database,
                    sim,
                    f"bench-bl-{run}",
                    senders=args.senders,
                    batch=args.batch,
                    rate=args.rate_limit,
                )
                state = httpx.get(f"{sim}/_admin/state").json()
            with database.transaction() as conn, conn.cursor() as cur:
                cur.execute(
                    "UPDATE forward_destinations SET active = false WHERE name LIKE %s",
                    (f"bench-%-{run}",),
                )
        finally:
            database.close()
    ok = state["statuses"].get("200", 0)
    result = {
        "events_per_s": round(events_per_s, 1),
        "backlog_events": args.backlog,
        "backlog_drain_s": round(drain_s, 1),
        "share_of_rate_limit": round(ok / drain_s / args.rate_limit, 3),
        "rate_limit_per_s": args.rate_limit,
        "requests_ok": ok,
        "requests_429": state["statuses"].get("429", 0),
        "events_accepted": state["records"].get("event", {}).get("confirmed", 0),
        "latency_s": args.latency,
        "senders": args.senders,
        "batch": args.batch,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
