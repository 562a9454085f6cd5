"""Test-only entry point: `txng cloud api` whose workers restart on a short, exact policy.

`python -m tests.support.api_restarts --backoff-s 0.3 --max-crashes 3 --window-s 30
--healthy-after-s 1` runs the API as `txng cloud api` does (TXNG_API_WORKERS > 1), with a
backoff doubling from `--backoff-s` without jitter, so that tests can time restarts.
"""

import argparse
import sys

from cloud.api.command import api_command
from cloud.api.workers import RestartPolicy
from plumbing.workers import Backoff


def main(argv: list[str]) -> int:
    """Run the API with the restart policy asked for."""
    parser = argparse.ArgumentParser(prog="api_restarts")
    parser.add_argument("--backoff-s", type=float, required=True)
    parser.add_argument("--max-crashes", type=int, required=True)
    parser.add_argument("--window-s", type=float, required=True)
    parser.add_argument("--healthy-after-s", type=float, required=True)
    args = parser.parse_args(argv)
    policy = RestartPolicy(
        backoff=Backoff(initial_s=args.backoff_s, max_s=60.0, jitter=0.0),
        max_crashes=args.max_crashes,
        crash_window_s=args.window_s,
        healthy_after_s=args.healthy_after_s,
    )
    return api_command(restarts=policy)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
