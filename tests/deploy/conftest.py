"""Mosquitto with the production configuration (dynamic security, TLS), stopped after a test."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.broker_setup import Broker


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Callable[..., Broker]]:
    """Make production-config brokers (not started); each is stopped after the test."""
    made: list[Broker] = []

    def make(*, with_tls: bool) -> Broker:
        made.append(Broker(tmp_path / f"broker-{len(made)}", with_tls=with_tls))
        return made[-1]

    yield make
    for broker in made:
        broker.stop()
