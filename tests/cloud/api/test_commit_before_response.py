"""A route's transaction commits before its response leaves: the next request sees the write."""

from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.conftest import auth
from tests.support.sql import scalar


class StateWhenAnswered:
    """ASGI wrapper: reads the alert's state (another connection) as the response starts."""

    def __init__(self, app, url: str, alert: int):
        self.app, self.url, self.alert, self.seen = app, url, alert, None

    async def __call__(self, scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                self.seen = scalar(self.url, "SELECT state FROM alerts WHERE id = %s",
                                   (self.alert,))
            await send(message)

        await self.app(scope, receive, sending)


def test_an_acknowledgement_is_committed_when_its_answer_starts(world):
    wrapped = StateWhenAnswered(create_app(load_api_settings(database_url=world.url)),
                                world.url, world.alert_a)
    with TestClient(wrapped) as client:
        response = client.post(f"/api/alerts/{world.alert_a}/acknowledge", json={},
                               headers=auth(world, "op-a"))
    assert response.status_code == 200
    assert wrapped.seen == "active_ack"
