"""Chaos benchmark: N random SIGKILLs of the agent, two ingesters and the broker, and DB cuts.

Run: python bench/chaos.py [--kills 300] [--seed 14] [--confirm receipt|puback]

An edge agent (`txng edge run`: a simulated scanner at 100 scans/s and a probe at 100
readings/s) publishes through mosquitto (the project's dev config: persistence on, saved every
30 s, as in production) to two `txng cloud ingest` in one shared-subscription group. At random
instants (0.1-0.8 s apart) one of them is SIGKILLed and restarted at once (agent 30 %, an
ingester 30 %, the broker 15 %) or every database connection is cut (25 %, not counted as a
kill). Then a reader-less agent drains the outbox, and the database is compared with what
the outbox took: every item once, none lost, none twice.

The database is a throwaway one on the server of TXNG_DATABASE_URL (an admin URL; default the
local PostgreSQL); the broker is always this benchmark's own, since it is killed. The last
stdout line is one JSON object: kills, broker_kills, produced, stored_once, lost,
duplicates_stored, resent (items the broker acknowledged more than once, counted by the outbox
at PUBACK), and the details.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._services import DEFAULT_ADMIN_URL, ThrowawayDatabase
from cloud.db.migrate import migrate
from tests.support.chaos import Chaos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--confirm", choices=("receipt", "puback"), default="receipt",
        help="when the agent forgets an item: on the receipt (default) or on the broker's PUBACK"
             " (how txng worked before receipts)",
    )
    args = parser.parse_args()
    admin_url = os.environ.get("TXNG_DATABASE_URL", DEFAULT_ADMIN_URL)
    with ThrowawayDatabase(admin_url, "txng_chaos") as database, \
            tempfile.TemporaryDirectory(prefix="txng-bench-chaos-") as tmp:
        migrate(database.url)
        chaos = Chaos(Path(tmp), database.url, seed=args.seed, confirm=args.confirm)
        started = time.monotonic()
        chaos.start()
        try:
            chaos.run(args.kills, pause_s=(0.1, 0.8))
            killed_for = time.monotonic() - started
            print(f"{args.kills} kills in {killed_for:.0f} s; draining", file=sys.stderr)
            chaos.drain(timeout_s=240)
            result = chaos.result(time.monotonic() - started)
        finally:
            chaos.close()
    print(json.dumps({**result.summary(), "confirm": args.confirm}))


if __name__ == "__main__":
    main()
