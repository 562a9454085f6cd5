"""Chaos at small scale: agent, ingesters and broker SIGKILLed at random, database cut."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chaos import Chaos

KILLS = 30


@pytest.fixture
def chaos(database_url: str, tmp_path: Path) -> Iterator[Chaos]:
    """Agent, ingesters and broker as real processes; all stopped after the test."""
    run = Chaos(tmp_path / "chaos", database_url, seed=14)
    try:
        yield run
    finally:
        run.close()


def test_random_sigkills_of_every_process_lose_and_double_nothing(chaos: Chaos) -> None:
    started = time.monotonic()
    chaos.start()
    chaos.run(KILLS)
    chaos.drain()
    result = chaos.result(time.monotonic() - started)
    assert result.kills == KILLS
    assert min(result.broker_kills, result.agent_kills, result.ingester_kills) >= 3, result
    assert result.db_cuts >= 3, result
    assert result.produced > 1000, f"the agent hardly ran; the test proves nothing: {result}"
    # every item the agent took is in the database exactly once, and the outbox is empty
    assert (result.lost, result.duplicates_stored) == (0, 0), result
    assert result.stored_once == result.produced, result
