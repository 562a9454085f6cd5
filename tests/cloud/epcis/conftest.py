"""An API client on a migrated database, signed in as an operator (auth is tested elsewhere)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cloud.api.auth import Principal, current_principal
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.support.factory import SITE
from tests.support.seed import add_site

OPERATOR = Principal(username="op", role="operator", site=SITE, user_id=1)


TOKEN = {"Authorization": "Bearer overridden"}


def add_operator_site(database_url: str) -> None:
    """The site OPERATOR captures for."""
    add_site(database_url, OPERATOR.site)


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    add_operator_site(database_url)
    app = create_app(load_api_settings(database_url=database_url))
    app.dependency_overrides[current_principal] = lambda: OPERATOR
    # A token header as API clients send (the principal itself is overridden above).
    with TestClient(app, headers=TOKEN) as test_client:
        yield test_client
