"""The publisher: packs outbox rows into envelopes, publishes them, forgets them once confirmed.

With `delivery.confirm: receipt` (the default) an item is marked sent on the broker's PUBACK
and deleted only when the ingester's receipt says the database holds it; what has no receipt
is sent again after a timeout (which backs off while none come) or a reconnection. At most
`delivery.max_unconfirmed` items are sent and unconfirmed at once. With `puback` an item is
deleted on the PUBACK (a broker crash then loses what it had acknowledged).
"""

import asyncio
import logging
from collections.abc import Awaitable
from concurrent.futures import Future
from typing import Any

from pydantic import TypeAdapter, ValidationError

from contract import (
    Channel,
    ContractError,
    DeviceState,
    Envelope,
    Item,
    Topic,
    decode_receipt,
    encode,
)
from edge.awaiting import AwaitingReceipts
from edge.config import DeviceConfig
from edge.mqtt_link import LinkEvent, MqttLink, PublishRefused
from edge.outbox import Confirmed, Lane, Outbox, Row
from edge.status import StatusReporter
from plumbing.cancellation import wait_for

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
        self._receipts = config.delivery.confirm == "receipt"
        self._topics = {
            lane: str(Topic(config.site, config.device, channel))
            for lane, channel in _LANE_CHANNEL.items()
        }
        self._status_topic = str(Topic(config.site, config.device, Channel.STATUS))
        receipts_topic = str(Topic(config.site, config.device, Channel.RECEIPTS))
        self._link = MqttLink(
            config.mqtt,
            client_id=config.client_id(),
            on_event=self._from_network(self._on_event),
            on_ack=self._from_network(self._on_ack),
            subscriptions=(receipts_topic,) if self._receipts else (),
            on_message=self._from_network(self._on_receipt),
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: dict[int, tuple[Lane, list[int]]] = {}
        self._inflight_items = 0
        self._awaiting = AwaitingReceipts(
            config.delivery.receipt_timeout_s, config.delivery.receipt_timeout_max_s
        )
        self._cursor = {lane: -1 for lane in Lane}
        self._connected = asyncio.Event()
        self._was_connected = False
        self._progress = asyncio.Event()
        self._last_ack = 0.0
        self._rewind_due = False
        self._jobs: set[asyncio.Task[Any]] = set()
        self._offline_mid: int | None = None
        self._offline_acked = asyncio.Event()
        self.acked_items = 0  # acknowledged by the broker
        self.confirmed_items = 0  # deleted from the outbox: receipted (or, with puback, acked)
        self.stale_receipts = 0  # receipted messages that named nothing in this outbox
        self.rejected_receipts = 0  # receipts that broke the contract
        self.resends = 0

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

    @property
    def protocol(self) -> str:
        """The MQTT version in use: "5" or "3.1.1"."""
        return self._link.protocol

    @property
    def unconfirmed(self) -> int:
        """Items sent in this run and not yet confirmed."""
        return len(self._awaiting) + self._inflight_items

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
        """Say offline (retained), wait for pending outbox work, and disconnect."""
        if self.connected:
            self._offline_acked.clear()
            self._offline_mid = self._link.publish(
                self._status_topic, self._status_payload(DeviceState.OFFLINE), retain=True
            )
            try:
                await asyncio.wait_for(self._offline_acked.wait(), _CLOSE_TIMEOUT_S)
            except TimeoutError:
                logger.warning("no acknowledgement of the offline status")
        if self._jobs:
            await asyncio.gather(*self._jobs)
        await asyncio.to_thread(self._link.stop)

    def _window_full(self) -> bool:
        if len(self._inflight) >= self._config.mqtt.max_inflight:
            return True
        return self._receipts and self.unconfirmed >= self._config.delivery.max_unconfirmed

    def _wait_limit(self, now: float) -> float | None:
        """How long the pump may sleep before an acknowledgement or a receipt is overdue."""
        limits = [self._last_ack + _ACK_TIMEOUT_S - now] if self._inflight else []
        overdue = self._awaiting.overdue_in(now)
        if overdue is not None:
            limits.append(overdue)
        return max(min(limits), 0.0) if limits else None

    async def _sleep_until(self, event: asyncio.Event) -> bool:
        """Wait for `event` at most until something is overdue; False if that came first."""
        assert self._loop is not None
        try:
            await wait_for(event.wait(), self._wait_limit(self._loop.time()))
        except TimeoutError:
            return False
        return True

    def _resend_overdue(self, now: float) -> bool:
        """Start over from the oldest row if an acknowledgement or a receipt is overdue."""
        full = len(self._inflight) >= self._config.mqtt.max_inflight
        if full and now - self._last_ack >= _ACK_TIMEOUT_S:
            self._resend_all(f"no acknowledgement for {_ACK_TIMEOUT_S:.0f} s")
            return True
        overdue = self._awaiting.overdue_in(now)
        if overdue is not None and overdue <= 0:
            waited = self._awaiting.timeout_s
            self._awaiting.expire()
            self._resend_all(f"no receipt for {waited:g} s")
            return True
        return False

    async def _pump(self) -> None:
        assert self._loop is not None
        batching = self._config.batching
        while True:
            await self._connected.wait()
            if self._rewind_due and not self._inflight:
                await asyncio.sleep(_REFUSED_BACKOFF_S)
                self._resend_all("the broker refused a message")
            if self._resend_overdue(self._loop.time()):
                continue
            if self._window_full():
                self._progress.clear()
                await self._sleep_until(self._progress)
                continue
            self._outbox.changed.clear()
            sent = False
            for lane in Lane:
                if self._window_full():
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
            if not sent and await self._sleep_until(self._outbox.changed):
                await asyncio.sleep(batching.max_age_ms / 1000)  # let a pack fill up

    async def _send(self, lane: Lane, rows: list[Row]) -> None:
        items = []
        broken = []
        for row in rows:
            try:
                items.append(_ITEM.validate_json(row.payload))
            except ValidationError as err:
                logger.error("dropping unreadable outbox row %d: %s", row.seq, err)
                broken.append(row.seq)
        if broken:
            await self._outbox.delete(broken)
        self._cursor[lane] = rows[-1].seq
        if not items:
            return
        envelope = Envelope(site=self._config.site, device=self._config.device, items=items)
        try:
            mid = self._link.publish(self._topics[lane], encode(envelope))
        except PublishRefused as err:
            logger.error("cannot publish: %s", err)
            self._rewind_due = True
            return
        if not self._inflight:
            self._last_ack = asyncio.get_running_loop().time()
        seqs = [row.seq for row in rows if row.seq not in broken]
        self._inflight[mid] = (lane, seqs)
        self._inflight_items += len(seqs)

    def _track(self, job: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def _on_ack(self, mid: int, ok: bool) -> None:
        if mid == self._offline_mid:
            self._offline_acked.set()
        entry = self._inflight.pop(mid, None)
        self._progress.set()
        if entry is None:
            return
        assert self._loop is not None
        self._last_ack = self._loop.time()
        lane, seqs = entry
        self._inflight_items -= len(seqs)
        if not ok:
            logger.error("the broker refused a message of %d items; it will be resent", len(seqs))
            self._rewind_due = True
            return
        self.acked_items += len(seqs)
        if not self._receipts:
            self.confirmed_items += len(seqs)
            self._track(self._outbox.delete(seqs))
            return
        self._awaiting.sent(seqs, self._last_ack)
        marking = self._outbox.mark_sent(lane, seqs)  # queued now: before any later receipt
        self._track(self._still_here(marking, seqs))

    async def _still_here(self, marking: "Future[list[int]]", seqs: list[int]) -> None:
        here: list[int] = await asyncio.wrap_future(marking)
        self._awaiting.gone(set(seqs) - set(here))

    def _on_receipt(self, topic: str, payload: bytes) -> None:
        try:
            receipt = decode_receipt(topic, payload)
        except ContractError as err:
            self.rejected_receipts += 1
            logger.warning("ignoring a receipt that breaks the contract: %s", err)
            return
        self._track(self._confirmed(self._outbox.confirm(receipt)))

    async def _confirmed(self, confirming: "Future[Confirmed]") -> None:
        confirmed = await asyncio.wrap_future(confirming)
        self._awaiting.confirmed(confirmed.seqs)
        self.confirmed_items += len(confirmed.seqs)
        self.stale_receipts += confirmed.stale
        if confirmed.seqs:
            self._progress.set()

    def _on_event(self, event: LinkEvent) -> None:
        if event is LinkEvent.CONNECTED:
            self._connected.set()
            if self._was_connected and self._receipts and self.unconfirmed:
                self._resend_all("reconnected: what has no receipt is sent again")
            self._was_connected = True
            self._publish_status()
        elif event is LinkEvent.DISCONNECTED:
            self._connected.clear()
        elif event is LinkEvent.FALLBACK and self._link.protocol == "5":
            self._connected.clear()
            self._resend_all("the connection starts over with MQTT 3.1.1")
            self._track(asyncio.to_thread(self._link.fall_back))

    def _resend_all(self, reason: str) -> None:
        """Forget what is in flight or awaiting receipts; publish again from the oldest row."""
        logger.warning("resending the outbox from its oldest item: %s", reason)
        self.resends += 1
        self._inflight.clear()
        self._inflight_items = 0
        self._awaiting.clear()
        self._cursor = {lane: -1 for lane in Lane}
        self._outbox.rewind()
        self._rewind_due = False
        self._progress.set()

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
