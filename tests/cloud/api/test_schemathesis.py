"""Property-based requests from the OpenAPI document: no route answers with a server error.

Bounded (a few examples per operation) so that the whole run stays well under a minute.
Every operation is called as an admin, so that generated requests reach the handlers.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.seed import World, seed
from tests.support.postgres import create_database, drop_database


@pytest.fixture(scope="module")
def seeded(migrated_template: str) -> Iterator[World]:
    url = create_database(template=migrated_template)
    yield seed(url)
    drop_database(url)


@pytest.fixture(scope="module")
def api_schema(seeded: World):
    app = create_app(load_api_settings(database_url=seeded.url))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _exercise(operation, token: str) -> None:
    @given(operation.as_strategy())
    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()


def test_no_server_errors(api_schema, seeded):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        _exercise(operation, seeded.tokens["admin"])
