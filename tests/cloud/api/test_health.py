from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings


def test_health_answers_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_unknown_route_has_the_error_body(client):
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_database_down_is_503_with_the_error_body():
    app = create_app(load_api_settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response.headers["retry-after"] == "5"
