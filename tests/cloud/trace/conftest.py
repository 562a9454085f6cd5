"""The dried-longan story world, one per test module."""

from collections.abc import Iterator

import pytest

from cloud.db.pool import Database
from tests.cloud.trace.story_world import StoryWorld, seed_story
from tests.support.postgres import create_database, drop_database


@pytest.fixture(scope="module")
def world(migrated_template) -> Iterator[StoryWorld]:
    url = create_database(template=migrated_template)
    yield seed_story(url)
    drop_database(url)


@pytest.fixture
def cur(world: StoryWorld):
    database = Database(world.url, max_connections=1)
    with database.transaction() as conn, conn.cursor() as cursor:
        yield cursor
    database.close()
