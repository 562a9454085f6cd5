"""Fixtures of forwarding tests: a seeded database and a portal simulator in a thread."""

from collections.abc import Iterator

import pytest

from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer
from tests.cloud.forward.helpers import seed


@pytest.fixture
def seeded_url(database_url: str) -> str:
    seed(database_url)
    return database_url


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(Faults(seed=7, product_groups=["fresh-fruit"])) as server:
        yield server
