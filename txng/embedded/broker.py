"""amqtt's MQTT 3.1.1 broker on 127.0.0.1, in a thread and event loop of its own."""

import asyncio
import contextlib
import importlib.util
import logging
import threading
from collections.abc import Iterator
from typing import Any

from txng.embedded.base import EmbeddedServiceError, free_port

log = logging.getLogger(__name__)


class _FilterTable(dict[str, Any]):
    """amqtt's table of subscriptions by topic filter, iterated over a copy of its filters.

    amqtt 0.12.1 hands a connecting client the retained messages of every filter by iterating
    this dict and awaiting each matching filter's send; another client's SUBSCRIBE to a new
    filter during that await raised "dictionary changed size during iteration" in the
    connection handler: the client was cut off and its session, still marked connected, was
    taken over when it came back (tests/txng/embedded/test_broker.py).
    """

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.keys(self)))


class EmbeddedBroker:
    """amqtt's broker (MQTT 3.1.1, no shared subscriptions) on 127.0.0.1, in its own thread."""

    def __init__(self) -> None:
        self.port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """The broker's URL."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> str:
        """Start the broker thread and wait until it listens; return its URL."""
        if importlib.util.find_spec("amqtt") is None:
            raise EmbeddedServiceError(
                "amqtt is not installed: run `pip install -e '.[demo]'` (or scripts/demo.sh), "
                "or set TXNG_MQTT_URL to a broker"
            )
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.port = free_port()
        self._thread = threading.Thread(target=self._run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise EmbeddedServiceError("the embedded MQTT broker did not start in time")
        if self._error is not None:
            raise EmbeddedServiceError(f"the embedded MQTT broker failed: {self._error}")
        log.info("embedded MQTT broker running", extra={"port": self.port})
        return self.url

    def stop(self, timeout_s: float = 10.0) -> None:
        """Shut the broker down and wait for its thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                self._loop.call_soon_threadsafe(self._stop.set)
        thread.join(timeout_s)
        if thread.is_alive():
            log.warning("the embedded MQTT broker did not stop in %.0f s", timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as err:  # reported to start(); the thread ends
            self._error = err
            log.exception("embedded MQTT broker failed")
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        from amqtt.broker import Broker

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        anonymous = "amqtt.plugins.authentication.AnonymousAuthPlugin"
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {anonymous: {"allow_anonymous": True}},  # and none of $SYS or logging
        }
        broker = Broker(config)
        broker._subscriptions = _FilterTable(broker._subscriptions)  # see _FilterTable
        await broker.start()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await broker.shutdown()
