"""Test-only entry point: a derive worker whose handler of kind `stuck` never returns.

`python -m tests.support.stuck_derive DATABASE_URL LEASE_S` claims the queued `stuck` work for
LEASE_S seconds, logs "handling KEY" and hangs there, to be killed by the test.
"""

import sys
import threading
import time
from typing import NamedTuple

from psycopg2.extensions import cursor as Cursor

from cloud.db.pool import Database
from cloud.db.work_queue import Work, WorkKind
from cloud.derive.worker import DeriveWorker


class Name(NamedTuple):
    """The key of the test's work."""

    name: str


def _hang(cur: Cursor, key: Name, work: Work) -> None:
    cur.execute("SELECT 1")  # an open transaction, as a real handler's
    print(f"handling {key.name}", file=sys.stderr, flush=True)
    threading.Event().wait()


STUCK = WorkKind("stuck", Name, _hang)


def main(url: str, lease_s: float) -> int:
    """Run the worker until killed."""
    database = Database(url, max_connections=2)
    worker = DeriveWorker(database, kinds=[STUCK], idle_wait_s=0.05, lease_s=lease_s)
    worker.start()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
