"""Test-only entry point: `txng cloud ingest` with a fault injected into its cold-chain sweeper.

`python -m tests.support.faulty_ingest N` makes the sweeper's first N steps raise an
unexpected exception (N = -1: every step); backoffs are shortened so that tests run fast.
"""

import sys

from cloud.coldchain import sweeper
from cloud.ingest.service import ingest_command
from plumbing.workers import Backoff


def main(failures: int) -> int:
    """Run the ingester with the fault injected."""
    real = sweeper.sweep_silence
    calls = [0]

    def faulty(*args: object, **kwargs: object) -> int:
        calls[0] += 1
        if failures < 0 or calls[0] <= failures:
            raise RuntimeError(f"injected fault {calls[0]}")
        return real(*args, **kwargs)

    sweeper.sweep_silence = faulty
    Backoff.delay = lambda self, attempt: 0.01
    return ingest_command()


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
