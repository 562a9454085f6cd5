"""An API client on a real, migrated database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(load_api_settings(database_url=database_url))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def world(database_url: str):
    from tests.cloud.api.seed import seed

    return seed(database_url)


def auth(world, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}
