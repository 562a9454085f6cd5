"""Each service's PostgreSQL role can do its job and nothing more (cloud/db/roles.py).

Roles are cluster-wide: each test makes its own (a unique prefix) and drops them after.
"""

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.errors
import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.db.pool import Database
from cloud.db.roles import TABLES, relations, role_name
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer
from cloud.settings.api import load_api_settings
from tests.cloud.forward import helpers as forward_helpers
from tests.support.factory import DEVICE, SITE, message, reading, scan
from tests.support.mqtt import publish_all
from tests.support.seed import add_device
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for
from txng.cli import main


@pytest.fixture
def roles(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's roles (their prefix), set on its database by `txng db roles`; dropped after."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("TXNG_DB_PASSWORD_FORWARD", "forward-secret-of-this-test")
    for _ in range(2):  # again: changes nothing, fails nothing
        assert main(["db", "roles", "--database-url", database_url, "--prefix", prefix]) == 0
    passwords = query(
        database_url,
        "SELECT rolname, rolpassword IS NOT NULL FROM pg_authid WHERE rolname LIKE %s "
        "ORDER BY 1",
        (f"{prefix}%",),
    )
    assert passwords == [
        (f"{prefix}_api", False),
        (f"{prefix}_forward", True),
        (f"{prefix}_ingest", False),
    ]
    yield prefix
    names = ", ".join(role_name(prefix, s) for s in ("ingest", "api", "forward"))
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(f"DROP OWNED BY {names}")
    conn.close()
    admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg2.connect(admin) as conn, conn.cursor() as cur:
        cur.execute(f"DROP ROLE {names}")
    conn.close()


def as_role(url: str, role: str) -> str:
    """The database URL with `role` as the user (the test server trusts local connections)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


def allowed(url: str, role: str, statement: str) -> bool:
    """Whether `role` may run `statement` (always rolled back)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET ROLE {role}")
            try:
                cur.execute(statement)
            except psycopg2.errors.InsufficientPrivilege:
                return False
            return True
    finally:
        conn.rollback()
        conn.close()


def test_every_table_is_declared(database_url: str) -> None:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        tables = set(relations(cur))
    conn.close()
    views = {"batch_presence", "readings_5m"}
    assert tables - views - set(TABLES) == set()  # a new table says who may write it


def test_each_role_can_do_only_its_job(database_url: str, roles: str) -> None:
    ingest, api, forward = (role_name(roles, s) for s in ("ingest", "api", "forward"))
    url = database_url
    # the ingester: appends what devices send and derives; no secrets, no master data
    assert allowed(url, ingest, "INSERT INTO readings SELECT * FROM readings")
    assert allowed(url, ingest, "DELETE FROM presence")
    assert not allowed(url, ingest, "SELECT * FROM users")
    assert not allowed(url, ingest, "SELECT * FROM sessions")
    assert not allowed(url, ingest, "INSERT INTO products (gtin, name) VALUES ('1', 'x')")
    assert not allowed(url, ingest, "UPDATE batches SET verified = true")
    assert allowed(url, ingest, "UPDATE batches SET first_seen = now()")
    assert not allowed(url, ingest, "DELETE FROM readings")
    assert not allowed(url, ingest, "UPDATE devices SET approval = 'approved'")
    # the API: what routes need, but never rewrites or deletes what devices sent
    assert allowed(url, api, "SELECT * FROM users")
    assert allowed(url, api, "UPDATE products SET name = name")
    assert not allowed(url, api, "DELETE FROM readings")
    assert not allowed(url, api, "UPDATE events SET lot = 'X'")
    assert not allowed(url, api, "DELETE FROM event_chain")
    assert not allowed(url, api, "TRUNCATE readings")
    # the forwarder: its outbox and records, reading what it forwards
    assert allowed(url, forward, "UPDATE forward_outbox SET attempts = attempts")
    assert allowed(url, forward, "SELECT * FROM events JOIN batches USING (gtin, lot)")
    assert not allowed(url, forward, "SELECT * FROM api_tokens")
    assert not allowed(url, forward, "INSERT INTO readings SELECT * FROM readings")
    assert not allowed(url, forward, "DELETE FROM forward_outbox")
    assert not allowed(url, forward, "UPDATE alerts SET state = state")


def test_services_do_their_job_under_their_roles(
    roles: str, start_ingester, database_url: str, mqtt_url: str
) -> None:
    """The ingester (derive and notifier included) and the API's approval, under their roles."""
    add_device(database_url, SITE, DEVICE)
    ingester = start_ingester(database_url=as_role(database_url, role_name(roles, "ingest")))
    readings = [reading(i, value=12.0) for i in range(60)]
    publish_all(
        mqtt_url,
        [message(readings), message([scan(1)]), message([reading(99)], device="pi-pending")],
    )
    stored = (
        "SELECT (SELECT count(*) FROM readings), (SELECT count(*) FROM events), "
        "(SELECT count(*) FROM quarantine_readings)"
    )
    wait_for(lambda: query(database_url, stored) == [(60, 1, 1)])
    wait_for(lambda: scalar(database_url, "SELECT count(*) FROM work_queue") == 0)
    assert scalar(database_url, "SELECT count(*) FROM presence") >= 1
    troubles = [(h.name, h.last_error) for h in ingester.workers.health() if h.last_error]
    assert troubles == []
    assert scalar(database_url, "SELECT count(*) FROM dead_letters") == 0

    from cloud.auth.command import create_token, create_user

    owner = Database(database_url, max_connections=1)
    try:
        create_user(owner, username="admin", role="admin", site=None, password="x" * 12)
        token = create_token(owner, username="admin", name="t", days=1)
    finally:
        owner.close()
    settings = load_api_settings(database_url=as_role(database_url, role_name(roles, "api")))
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        approved = client.post(f"/api/devices/{SITE}/pi-pending/approve", headers=headers)
        assert approved.status_code == 200, approved.text
        assert client.get("/api/batches", headers=headers).status_code == 200
    released = "SELECT count(*) FROM readings WHERE device_id = 'pi-pending'"
    assert query(database_url, released) == [(1,)]


def test_the_forwarder_delivers_under_its_role(roles: str, database_url: str) -> None:
    """Claims, portal objects, submissions and sent items, all under the forwarder's role."""
    forward_helpers.seed(database_url)
    forward_helpers.queue(database_url, forward_helpers.lot_events(forward_helpers.GOOD, "L1", 4))
    with SimServer(Faults(seed=7, product_groups=["fresh-fruit"])) as sim:
        database = Database(as_role(database_url, role_name(roles, "forward")), max_connections=4)
        try:
            adapter = forward_helpers.adapter(database, sim.url)
            forwarder = Forwarder(database, adapter, backoff=Backoff(0.01, 0.05))
            for _ in range(200):
                if forwarder.run_once() == 0:
                    break
            adapter.close()
        finally:
            database.close()
    assert forward_helpers.states(database_url) == {"sent": 4}
    assert scalar(database_url, "SELECT count(*) FROM forward_submissions") > 0
