"""Test-only entry point: `txng cloud ingest` with a fault injected.

`python -m tests.support.faulty_ingest --sweeper-failures N` makes the cold-chain sweeper's
first N steps raise an unexpected exception (N = -1: every step), with short backoffs so that
tests run fast; `--kill-at after_receive|after_commit` SIGKILLs the process at that point of
its first batch, like a power cut.
"""

import argparse
import logging
import os
import signal
import sys

from cloud.coldchain import sweeper
from cloud.ingest.service import ingest_command
from cloud.ingest.writer import Writer
from plumbing.workers import Backoff

log = logging.getLogger(__name__)


def fail_sweeper(failures: int) -> None:
    """The sweeper's first `failures` steps raise (-1: every step); backoffs are short."""
    real = sweeper.sweep_silence
    calls = [0]

    def faulty(*args: object, **kwargs: object) -> int:
        calls[0] += 1
        if failures < 0 or calls[0] <= failures:
            raise RuntimeError(f"injected fault {calls[0]}")
        return real(*args, **kwargs)

    sweeper.sweep_silence = faulty
    Backoff.delay = lambda self, attempt: 0.01


def kill_at(point: str) -> None:
    """SIGKILL this process when the writer reaches `point`."""

    def fault(self: Writer, reached: str) -> None:
        if reached == point:
            log.warning("fault injection: killing the ingester %s", point)
            os.kill(os.getpid(), signal.SIGKILL)

    Writer._fault = fault  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    """Run the ingester with the faults asked for."""
    parser = argparse.ArgumentParser(prog="faulty_ingest")
    parser.add_argument("--sweeper-failures", type=int)
    parser.add_argument("--kill-at", choices=["after_receive", "after_commit"])
    args = parser.parse_args(argv)
    if args.sweeper_failures is not None:
        fail_sweeper(args.sweeper_failures)
    if args.kill_at:
        kill_at(args.kill_at)
    return ingest_command()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
