"""systemd service notifications (READY, WATCHDOG, STOPPING) over $NOTIFY_SOCKET, no dependency."""

import asyncio
import logging
import os
import socket

logger = logging.getLogger(__name__)


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1") to systemd; False when not run by systemd with a socket."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as err:
        logger.warning("cannot notify systemd (%s): %s", state, err)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of the unit's WatchdogSec when systemd watches this process, else None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


async def keep_watchdog_fed() -> None:
    """Ping systemd's watchdog while the event loop runs; a stuck loop gets the agent restarted."""
    interval = watchdog_interval_s()
    if interval is None:
        return
    logger.info("systemd watchdog: pinging every %.1f s", interval)
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)
