"""Wait for a condition with a deadline, instead of sleeping a fixed time: the one `wait_for`."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    failure: Callable[[], str] | None = None,
) -> T:
    """Call `probe` until it returns something truthy, and return that.

    At the deadline the test fails with `failure()` (default: the probe's last value). The
    deadline is a safety net for a stuck test, never a measurement: size it for a busy machine.
    """
    deadline = time.monotonic() + timeout
    value = probe()
    while not value:
        if time.monotonic() > deadline:
            detail = failure() if failure else f"last value {value!r}"
            raise AssertionError(f"condition not met within {timeout}s: {detail}")
        time.sleep(interval)
        value = probe()
    return value
