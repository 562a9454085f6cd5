"""The production broker config against a real Mosquitto: dynamic security, bound ids, TLS."""

import subprocess
import time
from collections.abc import Iterator

import psycopg2
import pytest

from cloud.broker.accounts import BrokerAccounts
from cloud.broker.acl import SERVICE_ROLES
from cloud.broker.bootstrap import ServiceAccount, write_initial_config
from cloud.broker.command import broker_account_command
from cloud.broker.control import DynsecControl
from cloud.broker.passwords import hash_password, verify_password
from cloud.devices.command import devices_add_command
from plumbing.mqtt_url import MqttEndpoint
from tests.deploy.broker_setup import Broker, dynsec_plugin, have_openssl
from tests.support.broker import free_port
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "mosquitto"], capture_output=True).returncode != 0
    or dynsec_plugin() is None,
    reason="mosquitto or its dynamic-security plugin is not installed",
)
SITE = "farm-a"
INGEST_PASSWORD = "ingest-secret-for-this-test"


def _accounts(broker: Broker) -> BrokerAccounts:
    return BrokerAccounts(MqttEndpoint.parse(broker.admin_url), timeout_s=10)


def _add_observer(broker: Broker) -> None:
    """An account that may read and write everything: for this test only (production has none)."""
    everything = [
        {"acltype": kind, "topic": "#", "allow": True}
        for kind in ("publishClientSend", "publishClientReceive", "subscribePattern")
    ]
    with DynsecControl(MqttEndpoint.parse(broker.admin_url)) as control:
        answers = control.run(
            {"command": "createRole", "rolename": "observer", "acls": everything},
            {
                "command": "createClient",
                "username": "observer",
                "password": "observer-secret",
                "roles": [{"rolename": "observer"}],
            },
        )
    for answer in answers:
        answer.check()


@pytest.fixture(scope="module")
def secure_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Broker, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("secure-broker")
    broker = Broker(tmp / "broker", with_tls=have_openssl())
    broker.bootstrap([ServiceAccount(SERVICE_ROLES["ingest"], "txng-ingest", INGEST_PASSWORD)])
    broker.start()
    passwords = {"ingest": INGEST_PASSWORD, "observer": "observer-secret"}
    for device in ("dev-1", "dev-2"):
        passwords[device] = f"{device}-secret"
        _accounts(broker).put_device(SITE, device, passwords[device], enabled=True)
    _add_observer(broker)
    yield broker, passwords
    broker.stop()


def _topic(device: str, channel: str) -> str:
    return f"txng/v1/{SITE}/{device}/{channel}"


def test_an_unknown_client_cannot_connect(secure_broker):
    broker, _ = secure_broker
    with pytest.raises(ConnectionRefusedError), broker.connect(None, None):
        pass
    with pytest.raises(ConnectionRefusedError), broker.connect("stranger", "guess"):
        pass


def test_a_wrong_password_is_refused(secure_broker):
    broker, passwords = secure_broker
    with pytest.raises(ConnectionRefusedError), broker.connect(f"{SITE}/dev-1", "wrong"):
        pass
    # dev-2's password does not open dev-1's account either
    with pytest.raises(ConnectionRefusedError), broker.connect(f"{SITE}/dev-1", passwords["dev-2"]):
        pass


def test_a_device_cannot_publish_as_another(secure_broker):
    broker, passwords = secure_broker
    with broker.connect("observer", passwords["observer"]) as (observer, seen):
        broker.subscribe(observer, seen, "txng/v1/#")
        with broker.connect(f"{SITE}/dev-1", passwords["dev-1"]) as (device, _):
            forged = device.publish(_topic("dev-2", "readings"), b"forged", qos=1)
            forged_config = device.publish(_topic("dev-1", "config"), b"own config", qos=1)
            own = device.publish(_topic("dev-1", "readings"), b"genuine", qos=1)
            for info in (forged, forged_config, own):
                info.wait_for_publish(timeout=5)
        # QoS 1 from one client arrives in order: once the genuine one is here, the forged
        # ones would have been too.
        assert seen.wait_topic(_topic("dev-1", "readings"))
        time.sleep(0.3)
        assert _topic("dev-2", "readings") not in seen.topics()
        assert _topic("dev-1", "config") not in seen.topics()


def test_a_device_reads_its_own_config_but_not_another_devices(secure_broker):
    broker, passwords = secure_broker
    with broker.connect(f"{SITE}/dev-1", passwords["dev-1"]) as (device, seen):
        assert broker.subscribe(device, seen, _topic("dev-1", "config")) == [1]
        # Mosquitto 2.0 may grant these subscriptions; its ACL check applies to each message
        # delivered, so nothing outside the device's own config topic ever reaches it.
        broker.subscribe(device, seen, _topic("dev-2", "config"))
        broker.subscribe(device, seen, "txng/v1/#")
        with broker.connect("observer", passwords["observer"]) as (operator, _):
            operator.publish(_topic("dev-2", "config"), b"for dev-2", qos=1).wait_for_publish(5)
            operator.publish(_topic("dev-1", "config"), b"for dev-1", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-1", "config"))
        time.sleep(0.3)
        assert set(seen.topics()) == {_topic("dev-1", "config")}  # one copy per subscription


def test_the_ingester_account_reads_every_device_in_a_shared_group_and_cannot_forge(secure_broker):
    broker, passwords = secure_broker
    with broker.connect("txng-ingest", passwords["ingest"]) as (ingester, seen):
        for channel in ("events", "readings", "status"):
            filter_ = f"$share/ingesters/txng/v1/+/+/{channel}"
            assert broker.subscribe(ingester, seen, filter_) == [1]
        with broker.connect(f"{SITE}/dev-2", passwords["dev-2"]) as (device, _):
            device.publish(_topic("dev-2", "events"), b"scan", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-2", "events"))
        with broker.connect("observer", passwords["observer"]) as (observer, watched):
            broker.subscribe(observer, watched, "txng/v1/#")
            ingester.publish(_topic("dev-1", "readings"), b"forged", qos=1).wait_for_publish(5)
            ingester.publish("txng/v1/alerts/farm-a/excursion", b"alert", qos=1)
            assert watched.wait_topic("txng/v1/alerts/farm-a/excursion")
            time.sleep(0.3)
            assert _topic("dev-1", "readings") not in watched.topics()


def test_a_device_reads_only_its_own_receipts(secure_broker):
    broker, passwords = secure_broker
    with broker.connect(f"{SITE}/dev-1", passwords["dev-1"]) as (device, seen):
        assert broker.subscribe(device, seen, _topic("dev-1", "receipts")) == [1]
        assert broker.subscribe(device, seen, _topic("dev-2", "receipts")) == [135]
        assert broker.subscribe(device, seen, "txng/v1/+/+/receipts") == [135]
        with broker.connect("txng-ingest", passwords["ingest"]) as (ingester, _):
            ingester.publish(_topic("dev-2", "receipts"), b"for dev-2", qos=1).wait_for_publish(5)
            ingester.publish(_topic("dev-1", "receipts"), b"for dev-1", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-1", "receipts"))
        time.sleep(0.3)
        assert seen.messages == [(_topic("dev-1", "receipts"), b"for dev-1")]


def test_only_ingesters_publish_receipts(secure_broker):
    broker, passwords = secure_broker
    with broker.connect("observer", passwords["observer"]) as (observer, seen):
        broker.subscribe(observer, seen, "txng/v1/+/+/receipts")
        # A device cannot forge receipts, for another device or for itself (a connection
        # each: a refused QoS 1 publish may cost the forger its connection).
        for forger in ("dev-1", "dev-2"):
            for target in ("dev-1", "dev-2"):
                with broker.connect(f"{SITE}/{forger}", passwords[forger]) as (device, _):
                    device.publish(_topic(target, "receipts"), b"forged", qos=1).wait_for_publish(5)
        with broker.connect("txng-ingest", passwords["ingest"]) as (ingester, _):
            ingester.publish(_topic("dev-1", "receipts"), b"genuine", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-1", "receipts"))
        time.sleep(0.3)
        assert [payload for _, payload in seen.messages] == [b"genuine"]


def test_a_device_credential_cannot_take_an_ingesters_client_id_and_its_session_keeps_messages(
    secure_broker,
):
    broker, passwords = secure_broker
    ingester_id = "txng-ingest-1"
    device = (f"{SITE}/dev-1", passwords["dev-1"])
    session = {"client_id": ingester_id, "session_expiry_s": 3600}
    with broker.connect("txng-ingest", passwords["ingest"], **session) as (ingester, seen):
        assert broker.subscribe(ingester, seen, "txng/v1/+/+/events") == [1]
    # The ingester is away; the broker queues for its session what the devices send.
    with broker.connect(*device) as (client, _):
        for n in range(3):
            client.publish(_topic("dev-1", "events"), b"scan-%d" % n, qos=1).wait_for_publish(5)
    # A stolen Pi's credential presented with the ingester's client id: refused, whether it
    # would wipe the session (clean start) or resume it and receive its messages.
    for clean_start in (True, False):
        with pytest.raises(ConnectionRefusedError), broker.connect(
            *device, client_id=ingester_id, clean_start=clean_start, session_expiry_s=3600
        ):
            pass
    stolen = None
    if broker.tls_port:
        # Over the devices' TLS listener a connection's id is its user name whatever it sent:
        # this one is farm-a/dev-1, and its clean start leaves the ingester's session alone.
        with broker.connect(*device, client_id=ingester_id, tls=True) as (thief, stolen):
            broker.subscribe(thief, stolen, "txng/v1/+/+/events")
    with broker.connect(
        "txng-ingest", passwords["ingest"], clean_start=False, **session
    ) as (ingester, seen):
        wait_for(lambda: len(seen.messages) >= 3, timeout=10)
        time.sleep(0.3)
        assert sorted(payload for _, payload in seen.messages) == [b"scan-0", b"scan-1", b"scan-2"]
    assert stolen is None or stolen.messages == []
    log = broker.log()
    assert f"as {ingester_id} (p5, c0" in log  # the ingester resumed its session
    assert log.count(f"as {ingester_id} (") == 2  # nobody else ever connected with its id


def test_a_new_secret_works_at_once_and_the_old_one_stops_at_once(secure_broker):
    broker, _ = secure_broker
    accounts = _accounts(broker)
    accounts.put_device(SITE, "dev-3", "first-secret-of-dev-3", enabled=True)
    with broker.connect(f"{SITE}/dev-3", "first-secret-of-dev-3") as (connected, _):
        accounts.put_device(SITE, "dev-3", "second-secret-of-dev-3", enabled=True)
        # the broker disconnects the client that logged in with the old secret
        wait_for(lambda: not connected.is_connected(), timeout=10)
    old = broker.connect(f"{SITE}/dev-3", "first-secret-of-dev-3")
    with pytest.raises(ConnectionRefusedError), old:
        pass
    with broker.connect(f"{SITE}/dev-3", "second-secret-of-dev-3"):
        pass


def test_a_disabled_device_is_disconnected_and_refused_until_enabled(secure_broker):
    broker, _ = secure_broker
    accounts = _accounts(broker)
    accounts.put_device(SITE, "dev-4", "secret-of-dev-4", enabled=True)
    with broker.connect(f"{SITE}/dev-4", "secret-of-dev-4") as (connected, _):
        assert accounts.set_device_enabled(SITE, "dev-4", False) is True
        wait_for(lambda: not connected.is_connected(), timeout=10)
    with pytest.raises(ConnectionRefusedError), broker.connect(f"{SITE}/dev-4", "secret-of-dev-4"):
        pass
    assert accounts.set_device_enabled(SITE, "dev-4", True) is True
    with broker.connect(f"{SITE}/dev-4", "secret-of-dev-4"):
        pass
    assert accounts.set_device_enabled(SITE, "no-such-device", False) is False


def test_a_rejected_device_rotated_again_stays_disabled(secure_broker):
    broker, _ = secure_broker
    _accounts(broker).put_device(SITE, "dev-5", "secret-of-dev-5", enabled=False)
    with pytest.raises(ConnectionRefusedError), broker.connect(f"{SITE}/dev-5", "secret-of-dev-5"):
        pass


def test_the_first_file_is_written_once_and_never_overwritten(tmp_path):
    path = tmp_path / "config" / "dynamic-security.json"
    assert write_initial_config(path, {"clients": []}) is True
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert write_initial_config(path, {"clients": [{"username": "other"}]}) is False
    assert path.read_text().strip() == '{\n "clients": []\n}'
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_our_hash_matches_mosquitto_passwd(tmp_path):
    passwd = tmp_path / "passwd"
    try:
        subprocess.run(
            ["mosquitto_passwd", "-c", "-b", str(passwd), "someone", "s3cret"],
            check=True,
            capture_output=True,
        )
    except FileNotFoundError:
        pytest.skip("mosquitto_passwd is not installed")
    hashed = passwd.read_text().strip().split(":", 1)[1]
    assert verify_password("s3cret", hashed)
    assert not verify_password("s3cret!", hashed)
    salt = __import__("base64").b64decode(hashed.split("$")[3])
    assert hash_password("s3cret", salt=salt, iterations=int(hashed.split("$")[2])) == hashed


def test_every_service_role_has_an_account_name_and_rules():
    assert set(SERVICE_ROLES) == {"ingest", "api", "forward"}
    for role in SERVICE_ROLES.values():
        assert role.username.startswith("txng-") and role.rules


@pytest.mark.skipif(not have_openssl(), reason="openssl is not installed")
def test_a_device_connects_over_tls_with_the_generated_ca(secure_broker):
    broker, passwords = secure_broker
    with broker.connect("observer", passwords["observer"]) as (observer, seen):
        broker.subscribe(observer, seen, "txng/v1/#")
        with broker.connect(f"{SITE}/dev-1", passwords["dev-1"], tls=True) as (device, _):
            device.publish(_topic("dev-1", "status"), b"over tls", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-1", "status"))
    with pytest.raises(ConnectionRefusedError), broker.connect("stranger", "x", tls=True):
        pass


def test_devices_add_registers_the_device_as_approved_with_a_live_account(
    secure_broker, database_url, tmp_path, monkeypatch
):
    broker, _ = secure_broker
    monkeypatch.setenv("TXNG_BROKER_ADMIN_URL", broker.admin_url)
    url = database_url
    out = tmp_path / "pw"
    assert devices_add_command("site-new", "pi-7", password_out=str(out), database_url=url) == 0
    secret = out.read_text().strip()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT approval, secret_hash FROM devices JOIN device_credentials "
            "USING (site_id, device_id) WHERE site_id = 'site-new' AND device_id = 'pi-7'"
        )
        approval, stored = cur.fetchone()
    assert approval == "approved" and verify_password(secret, stored)
    with broker.connect("site-new/pi-7", secret) as (device, seen):
        assert broker.subscribe(device, seen, "txng/v1/site-new/pi-7/receipts") == [1]
    # again: a new secret, the old one refused at once
    assert devices_add_command("site-new", "pi-7", password_out=str(out), database_url=url) == 0
    with pytest.raises(ConnectionRefusedError), broker.connect("site-new/pi-7", secret):
        pass
    with broker.connect("site-new/pi-7", out.read_text().strip()):
        pass


def test_broker_account_sets_a_service_account_live_optionally_bound_to_one_client_id(
    secure_broker, tmp_path, monkeypatch
):
    broker, _ = secure_broker
    monkeypatch.setenv("TXNG_BROKER_ADMIN_URL", broker.admin_url)
    monkeypatch.setenv("FORWARD_PW", "forward-secret-of-this-test")
    assert broker_account_command(
        "forward", username="txng-forward", password_env="FORWARD_PW", client_id="txng-forward-1"
    ) == 0
    account = ("txng-forward", "forward-secret-of-this-test")
    with pytest.raises(ConnectionRefusedError), broker.connect(*account, client_id="other"):
        pass
    with broker.connect(*account, client_id="txng-forward-1") as (client, seen):
        assert broker.subscribe(client, seen, "txng/v1/alerts/#") == [1]
        assert broker.subscribe(client, seen, "txng/v1/+/+/events") == [135]
    # again with a new random password (printed once), unbound: the old one stops working
    out = tmp_path / "forward.password"
    assert broker_account_command("forward", username=None, password_out=str(out)) == 0
    with pytest.raises(ConnectionRefusedError), broker.connect(*account, client_id="x"):
        pass
    with broker.connect("txng-forward", out.read_text().strip(), client_id="any-id"):
        pass


def test_devices_add_changes_nothing_when_the_broker_is_away(database_url, tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("TXNG_BROKER_ADMIN_URL", f"mqtt://txng-admin:x@127.0.0.1:{port}")
    monkeypatch.setenv("TXNG_BROKER_ADMIN_TIMEOUT_S", "2")
    url = database_url
    out = tmp_path / "pw"
    assert devices_add_command("site-away", "pi-1", password_out=str(out), database_url=url) == 1
    assert not out.exists()
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM devices WHERE site_id = 'site-away'")
        assert cur.fetchone() == (0,)
