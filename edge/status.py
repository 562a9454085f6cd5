"""The device status item: heartbeat while running, retained last will when gone."""

import time
from collections.abc import Callable

from contract import DeviceState, DeviceStatus, ReaderHealth, new_item_id
from edge.clock import Clock
from edge.outbox import Outbox
from plumbing.version import VERSION as __version__


class StatusReporter:
    """Builds DeviceStatus items from the outbox, the readers' health and the clock."""

    def __init__(
        self, *, outbox: Outbox, clock: Clock, readers: Callable[[], dict[str, ReaderHealth]]
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._readers = readers
        self._started = time.monotonic()

    def status(self, state: DeviceState) -> DeviceStatus:
        """The device's status now.

        A status item carries the sequence number of the latest item taken (it does not take a
        number of its own), so that items' numbers stay gap-free and status orders among them.
        """
        stats = self._outbox.stats()
        return DeviceStatus(
            id=new_item_id(),
            device_time=self._clock.now(),
            clock=self._clock.quality(),
            seq=stats.last_seq,
            state=state,
            version=__version__,
            uptime_s=round(time.monotonic() - self._started, 3),
            outbox_depth=stats.depth,
            outbox_capacity=stats.capacity,
            outbox_drops=stats.drops,
            outbox_alarm=stats.alarm,
            outbox_bytes=stats.bytes,
            outbox_max_bytes=stats.max_bytes,
            outbox_unconfirmed=stats.unconfirmed,
            outbox_refused=stats.refused,
            readers=self._readers(),
        )
