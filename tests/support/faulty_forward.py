"""Test-only entry point: `txng cloud forward` that dies like a power cut after N sends.

`python -m tests.support.faulty_forward N` SIGKILLs the process once its senders have done N
sends, each after the far side answered and before the outcome is stored.
"""

import os
import signal
import sys
import threading

from cloud.forward.command import forward_command
from cloud.forward.forwarder import Forwarder


def kill_after(sends: int) -> None:
    """SIGKILL this process after `sends` sends."""
    lock = threading.Lock()
    done = [0]

    def sent(self: Forwarder) -> None:
        with lock:
            done[0] += 1
            if done[0] >= sends:
                os.kill(os.getpid(), signal.SIGKILL)

    Forwarder._sent = sent  # type: ignore[method-assign]


if __name__ == "__main__":
    kill_after(int(sys.argv[1]))
    sys.exit(forward_command())
