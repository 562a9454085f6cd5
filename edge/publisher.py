"""The publisher: packs outbox rows into envelopes, publishes them, deletes them once acked."""

import asyncio
import logging
from typing import Any

from pydantic import TypeAdapter, ValidationError

from contract import Channel, DeviceState, Envelope, Item, Topic, encode
from edge.config import DeviceConfig
from edge.mqtt_link import LinkEvent, MqttLink, PublishRefused
from edge.outbox import Lane, Outbox, Row
from edge.status import StatusReporter

logger = logging.getLogger(__name__)

_ITEM: TypeAdapter[Any] = TypeAdapter(Item)
_LANE_CHANNEL = {Lane.EVENTS: Channel.EVENTS, Lane.READINGS: Channel.READINGS}
_ACK_TIMEOUT_S = 60.0
_REFUSED_BACKOFF_S = 1.0
_CLOSE_TIMEOUT_S = 2.0


class Publisher:
    """Moves items from the outbox to the broker; at most `max_inflight` messages unacked."""

    def __init__(self, config: DeviceConfig, outbox: Outbox, reporter: StatusReporter) -> None:
        self._config = config
        self._outbox = outbox
        self._reporter = reporter
        self._topics = {
            lane: str(Topic(config.site, config.device, channel))
            for lane, channel in _LANE_CHANNEL.items()
        }
        self._status_topic = str(Topic(config.site, config.device, Channel.STATUS))
        self._link = MqttLink(
            config.mqtt,
            client_id=config.client_id(),
            on_event=self._from_network(self._on_event),
            on_ack=self._from_network(self._on_ack),
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: dict[int, tuple[Lane, list[int]]] = {}
        self._cursor = {lane: 0 for lane in Lane}
        self._connected = asyncio.Event()
        self._acked = asyncio.Event()
        self._rewind_due = False
        self._deletes: set[asyncio.Task[None]] = set()
        self._offline_mid: int | None = None
        self._offline_acked = asyncio.Event()
        self.acked_items = 0

    def _from_network(self, handler: Any) -> Any:
        """Wrap `handler` so that paho's thread hands the call to the event loop."""

        def forward(*args: Any) -> None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(handler, *args)

        return forward

    @property
    def connected(self) -> bool:
        """Whether the broker has accepted the connection."""
        return self._connected.is_set()

    async def run(self) -> None:
        """Publish until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._link.set_will(self._status_topic, self._status_payload(DeviceState.OFFLINE))
        self._link.start()
        heartbeat = asyncio.create_task(self._heartbeat(), name="heartbeat")
        try:
            await self._pump()
        finally:
            heartbeat.cancel()

    async def close(self) -> None:
        """Say offline (retained), wait for pending deletes, and disconnect."""
        if self.connected:
            self._offline_acked.clear()
            self._offline_mid = self._link.publish(
                self._status_topic, self._status_payload(DeviceState.OFFLINE), retain=True
            )
            try:
                await asyncio.wait_for(self._offline_acked.wait(), _CLOSE_TIMEOUT_S)
            except TimeoutError:
                logger.warning("no acknowledgement of the offline status")
        if self._deletes:
            await asyncio.gather(*self._deletes)
        await asyncio.to_thread(self._link.stop)

    async def _pump(self) -> None:
        batching = self._config.batching
        window = self._config.mqtt.max_inflight
        while True:
            await self._connected.wait()
            if self._rewind_due and not self._inflight:
                await asyncio.sleep(_REFUSED_BACKOFF_S)
                self._resend_all("the broker refused a message")
            if len(self._inflight) >= window:
                self._acked.clear()
                try:
                    await asyncio.wait_for(self._acked.wait(), _ACK_TIMEOUT_S)
                except TimeoutError:
                    self._resend_all(f"no acknowledgement for {_ACK_TIMEOUT_S:.0f} s")
                continue
            self._outbox.changed.clear()
            sent = False
            for lane in Lane:
                if len(self._inflight) >= window:
                    break
                rows = await self._outbox.pack(
                    lane,
                    after=self._cursor[lane],
                    max_items=batching.max_items,
                    max_bytes=batching.max_bytes,
                )
                if rows:
                    await self._send(lane, rows)
                    sent = True
            if not sent:
                await self._outbox.changed.wait()
                await asyncio.sleep(batching.max_age_ms / 1000)  # let a pack fill up

    async def _send(self, lane: Lane, rows: list[Row]) -> None:
        items = []
        broken = []
        for row in rows:
            try:
                items.append(_ITEM.validate_json(row.payload))
            except ValidationError as err:
                logger.error("dropping unreadable outbox row %d: %s", row.id, err)
                broken.append(row.id)
        if broken:
            await self._outbox.delete(lane, broken)
        self._cursor[lane] = rows[-1].id
        if not items:
            return
        envelope = Envelope(site=self._config.site, device=self._config.device, items=items)
        try:
            mid = self._link.publish(self._topics[lane], encode(envelope))
        except PublishRefused as err:
            logger.error("cannot publish: %s", err)
            self._rewind_due = True
            return
        self._inflight[mid] = (lane, [row.id for row in rows if row.id not in broken])

    def _on_ack(self, mid: int, ok: bool) -> None:
        if mid == self._offline_mid:
            self._offline_acked.set()
        entry = self._inflight.pop(mid, None)
        self._acked.set()
        if entry is None:
            return
        lane, ids = entry
        if not ok:
            logger.error("the broker refused a message of %d items; it will be resent", len(ids))
            self._rewind_due = True
            return
        self.acked_items += len(ids)
        task = asyncio.create_task(self._outbox.delete(lane, ids))
        self._deletes.add(task)
        task.add_done_callback(self._deletes.discard)

    def _on_event(self, event: LinkEvent) -> None:
        if event is LinkEvent.CONNECTED:
            self._connected.set()
            self._publish_status()
        elif event is LinkEvent.DISCONNECTED:
            self._connected.clear()
        elif event is LinkEvent.FALLBACK and self._link.protocol == "5":
            self._connected.clear()
            self._resend_all("the connection starts over with MQTT 3.1.1")
            task = asyncio.create_task(asyncio.to_thread(self._link.fall_back))
            self._deletes.add(task)
            task.add_done_callback(self._deletes.discard)

    def _resend_all(self, reason: str) -> None:
        """Forget what is in flight and publish the outbox again from its oldest row."""
        logger.warning("resending the outbox from its oldest item: %s", reason)
        self._inflight.clear()
        self._cursor = {lane: 0 for lane in Lane}
        self._outbox.rewind()
        self._rewind_due = False
        self._acked.set()

    def _status_payload(self, state: DeviceState) -> bytes:
        status = self._reporter.status(state)
        return encode(Envelope(site=self._config.site, device=self._config.device, items=[status]))

    def _publish_status(self) -> None:
        try:
            self._link.publish(
                self._status_topic, self._status_payload(DeviceState.ONLINE), retain=True
            )
        except PublishRefused as err:
            logger.error("cannot publish the status: %s", err)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self._config.status.heartbeat_s)
            self._link.set_will(self._status_topic, self._status_payload(DeviceState.OFFLINE))
            if self.connected:
                self._publish_status()
