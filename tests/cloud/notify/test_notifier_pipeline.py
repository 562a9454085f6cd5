"""Alert transitions reach a webhook (one POST each, signed, retried) and the MQTT alert topic."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from plumbing.mqtt_url import MqttEndpoint
from tests.cloud.coldchain.helpers import SITE, envelopes, minutes_ago, temperature
from tests.support.mqtt import publish_all
from tests.support.seed import add_location, add_profile
from tests.support.sql import query
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

SECRET = "s3cret"


class Hook:
    """A local webhook receiver that refuses its first POST."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, dict[str, str], bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if not hook.posts else 200
                hook.posts.append((status, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def alert_messages(mqtt_url):
    received: list[tuple[str, bytes]] = []
    endpoint = MqttEndpoint.parse(mqtt_url)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    subscribed = threading.Event()
    client.on_message = lambda c, u, m: received.append((m.topic, m.payload))
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe("txng/v1/alerts/#", qos=1)
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    assert subscribed.wait(10)
    yield received
    client.disconnect()
    client.loop_stop()


def test_each_transition_is_posted_once_and_published(
    start_ingester, database_url, mqtt_url, hook, alert_messages, monkeypatch
):
    monkeypatch.setenv("TXNG_TEST_HOOK_SECRET", SECRET)
    add_profile(database_url, "room", single_excursion_s=0)
    add_location(database_url, SITE, "room-n", profile_id="room")
    query(
        database_url,
        "INSERT INTO webhooks (id, url, secret_env) VALUES ('ops', %s, 'TXNG_TEST_HOOK_SECRET') "
        "RETURNING id",
        (hook.url,),
    )
    start_ingester()
    t0 = minutes_ago(3)
    values = [5.0, 9.0, 9.2, 5.0]
    readings = [
        temperature(t0 + timedelta(minutes=m), v, seq=m, location="room-n")
        for m, v in enumerate(values)
    ]
    publish_all(mqtt_url, envelopes(readings))
    wait_for(lambda: len([p for p in hook.posts if p[0] == 200]) == 2 and len(alert_messages) == 2)
    wait_for(
        lambda: (
            query(database_url, "SELECT count(*) FROM notifications WHERE state = 'sent'")[0][0]
            == 4
        )
    )

    delivered = [
        (headers, json.loads(body)) for status, headers, body in hook.posts if status == 200
    ]
    assert [d["transition"]["to_state"] for _, d in delivered] == ["active_unack", "cleared"]
    assert len({h["Idempotency-Key"] for h, _ in delivered}) == 2
    for _status, headers, body in hook.posts:
        # Recomputed here from the documented recipe, not with the notifier's own function.
        signed = headers["X-Txng-Timestamp"].encode() + b"." + body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert headers["X-Txng-Signature"] == f"v1={expected}"
        assert abs(int(headers["X-Txng-Timestamp"]) - time.time()) < 120
    assert [p[0] for p in hook.posts] == [500, 200, 200]  # the refused one was retried, once
    first = delivered[0][1]
    assert (first["kind"], first["severity"], first["site_id"]) == (
        "location_excursion_high",
        "warning",
        SITE,
    )
    topics = [topic for topic, _ in alert_messages]
    assert topics == [f"txng/v1/alerts/{SITE}/location_excursion_high"] * 2
    published = [json.loads(payload)["transition"]["to_state"] for _, payload in alert_messages]
    assert published == ["active_unack", "cleared"]
