"""Graceful stop: an event that SIGTERM or SIGINT sets, for processes that run until told."""

import logging
import signal
import threading
from types import FrameType


def stop_on_signals(log: logging.Logger) -> threading.Event:
    """Install SIGTERM and SIGINT handlers (main thread only) that set and return an event."""
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return stopping
