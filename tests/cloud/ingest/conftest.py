"""The ingester tests count messages exactly, so each gets a broker of its own.

A long-lived broker holds retained status messages (last wills) of every device that ever
ran against it, and a new subscriber receives them all: counts of acknowledged messages would
then depend on what ran before.
"""

from collections.abc import Iterator

import pytest

from tests.support.broker import MosquittoBroker


@pytest.fixture
def mqtt_url(broker: MosquittoBroker) -> Iterator[str]:
    """This test's own broker."""
    yield broker.url
