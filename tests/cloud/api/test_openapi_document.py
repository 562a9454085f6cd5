"""The OpenAPI document describes every field and documents errors in the one body shape."""

import json

from cloud.api.errors import ErrorBody
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.conftest import auth


def test_every_field_of_every_schema_has_a_description(database_url):
    document = create_app(load_api_settings(database_url=database_url)).openapi()
    schemas = document["components"]["schemas"]
    undescribed = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []
    assert {"Timeline", "Point", "Forwarding", "ErrorBody"} <= set(schemas)


def test_invalid_requests_are_documented_with_the_error_body_they_get(client, world):
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(document)
    timeline = document["paths"]["/api/batches/{batch_id}/timeline"]["get"]["responses"]
    schema = timeline["422"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    answer = client.get("/api/batches/not-a-number/timeline", headers=auth(world, "admin"))
    assert answer.status_code == 422
    assert ErrorBody.model_validate(answer.json()).error.code == "invalid_request"
