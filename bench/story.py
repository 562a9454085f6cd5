"""Story bench: the grouped timeline and recall of a batch with 100,000 scans (5 steps, 3 sites).

Data: bench/_story_data.py (20,000 serialised packs, 5 steps at 3 sites, 40 pallets, a fresh
input batch, 100 background batches, minute readings at two places), stored with the
ingester's bulk store and derived by the derive worker.

1. story: batch_story(batch) in-process (one connection, as the API's worker does), as an
   admin sees it and as the distributor's operator sees it: wall time per call.
2. recall: recall() from the fresh input batch (forward through the transformation and three
   sites), from a serial and from a pallet, in turn: wall time per call.
3. baseline, same run: the flat timeline (batch_timeline: every scan an entry) of the same
   batch; and the cost the story's rollup moves off the read path: re-deriving the batch's
   steps (refresh_steps) from its 100,000 scans, as the derive worker does when they change.

Goals (issue 16): story_timeline_ms_p95 ≤ 50 ms, recall_ms_p95 ≤ 200 ms. The machine's load
average and CPU count are reported with the figures. Reads TXNG_DATABASE_URL when set (the
bench's data is loaded once; a database that has it is reused), else uses a throwaway
database on postgresql://postgres@127.0.0.1:5432/postgres. The last stdout line is one JSON
object.
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _story_data as data
from bench._services import (
    given_or_throwaway_database,
    percentile,
)
from cloud.db.batch_steps_store import refresh_steps
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.trace.recall_models import RecallStart
from cloud.trace.recall_service import recall
from cloud.trace.story import batch_story
from cloud.trace.timeline import batch_timeline


def log(text: str) -> None:
    print(f"[story-bench] {text}", file=sys.stderr, flush=True)


def load(url: str) -> tuple[int, bool]:
    """The big batch's id, loading the data first unless the database has it."""
    migrate(url)
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM batches WHERE gtin = %s AND lot = %s", (data.DRIED, data.LOT)
            )
            row = cur.fetchone()
    finally:
        database.close()
    if row is not None:
        return int(row[0]), True
    began = time.monotonic()
    data.master_data(url)
    received = data.scans()
    log(f"{len(received)} scans generated in {time.monotonic() - began:.1f} s")
    data.store(url, received)
    log(f"stored and derived in {time.monotonic() - began:.1f} s")
    log(f"{data.readings(url)} readings loaded in {time.monotonic() - began:.1f} s")
    return load(url)[0], False


def timed(calls: int, work: Callable[[int], object]) -> list[float]:
    times = []
    for i in range(calls):
        t = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - t) * 1000)
    return times


def run(args: argparse.Namespace, url: str) -> dict[str, object]:
    load_start = os.getloadavg()[0]
    batch_id, reused = load(url)
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            story = batch_story(cur, batch_id)
            assert story is not None
            scans = sum(s.scans or 0 for s in story.steps)
            sites = {s.site_id for s in story.steps}
            log(
                f"batch {batch_id}: {scans} scans in {len(story.steps)} steps at {len(sites)} sites"
            )
            for _ in range(5):  # warm, as a running API is
                batch_story(cur, batch_id)
            admin = timed(args.calls, lambda _: batch_story(cur, batch_id))
            operator = timed(args.calls, lambda _: batch_story(cur, batch_id, site=data.DIST))
            starts = [
                RecallStart(kind="batch", gtin=data.FRESH, lot=data.FRESH_LOT),
                RecallStart(kind="serial", gtin=data.DRIED, serial=data.serial(12_345)),
                RecallStart(kind="sscc", sscc=data.pallet(7)),
            ]
            for start in starts:
                recall(cur, start)
            recalls = timed(args.calls, lambda i: recall(cur, starts[i % len(starts)]))
            derive = timed(3, lambda _: refresh_steps(cur, batch_id))
            conn.rollback()  # the refreshes change nothing; leave no trace either way
        flat = timed(args.flat_calls, lambda _: batch_timeline(database, batch_id, points=500))
    finally:
        database.close()
    story_p95 = percentile(admin, 0.95)
    return {
        "scans": scans,
        "steps": len(story.steps),
        "sites": len(sites),
        "reused_data": reused,
        "calls": args.calls,
        "story_timeline_ms_p50": round(statistics.median(admin), 2),
        "story_timeline_ms_p95": round(story_p95, 2),
        "story_timeline_operator_ms_p95": round(percentile(operator, 0.95), 2),
        "recall_ms_p50": round(statistics.median(recalls), 2),
        "recall_ms_p95": round(percentile(recalls, 0.95), 2),
        "baseline_flat_timeline_ms_p50": round(statistics.median(flat), 1),
        "story_vs_flat_timeline": round(story_p95 / statistics.median(flat), 4),
        "steps_rederive_ms_p50": round(statistics.median(derive), 1),
        "goals_met": story_p95 <= 50 and percentile(recalls, 0.95) <= 200,
        "cpus": os.cpu_count(),
        "loadavg_1m_start": round(load_start, 2),
        "loadavg_1m_end": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls of each")
    parser.add_argument("--flat-calls", type=int, default=3, help="timed flat timelines")
    args = parser.parse_args()
    with given_or_throwaway_database("txng_story") as url:
        result = run(args, url)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
