"""The production broker config against a real Mosquitto: passwords, per-device ACLs, TLS."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from cloud.broker.acl import SERVICE_ROLES
from cloud.broker.command import broker_account_command, devices_add_command
from cloud.broker.files import set_acl_block, set_password_entry
from cloud.broker.passwords import hash_password, verify_password
from tests.deploy.broker_setup import Broker, have_openssl

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "mosquitto"], capture_output=True).returncode != 0,
    reason="mosquitto is not installed",
)
SITE = "farm-a"


def _add_device(broker: Broker, device: str, tmp: Path) -> str:
    out = tmp / f"{device}.password"
    assert (
        devices_add_command(
            SITE,
            device,
            password_file=str(broker.password_file),
            acl_file=str(broker.acl_file),
            password_out=str(out),
            register=False,
        )
        == 0
    )
    return out.read_text().strip()


@pytest.fixture(scope="module")
def secure_broker(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Broker, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("secure-broker")
    broker = Broker(tmp / "broker", with_tls=have_openssl())
    passwords = {device: _add_device(broker, device, tmp) for device in ("dev-1", "dev-2")}
    out = tmp / "ingest.password"
    assert (
        broker_account_command(
            "ingest",
            username=None,
            password_file=str(broker.password_file),
            acl_file=str(broker.acl_file),
            password_out=str(out),
        )
        == 0
    )
    passwords["ingest"] = out.read_text().strip()
    # An observer with full rights, for this test only (production has no such account).
    passwords["observer"] = "observer-secret"
    set_password_entry(broker.password_file, "observer", hash_password("observer-secret"))
    set_acl_block(broker.acl_file, "observer", ["topic readwrite #"])
    broker.start()
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


def test_a_device_reads_only_its_own_receipts_and_only_ingesters_publish_them(secure_broker):
    broker, passwords = secure_broker
    with broker.connect(f"{SITE}/dev-1", passwords["dev-1"]) as (device, seen):
        assert broker.subscribe(device, seen, _topic("dev-1", "receipts")) == [1]
        broker.subscribe(device, seen, _topic("dev-2", "receipts"))
        broker.subscribe(device, seen, "txng/v1/+/+/receipts")
        # A device cannot forge receipts, for another device or for itself (from a second
        # connection: a refused QoS 1 publish may cost the forger its connection).
        for forger in ("dev-2", "dev-1"):
            for target in ("dev-1", "dev-2"):
                with broker.connect(f"{SITE}/{forger}", passwords[forger]) as (other, _):
                    other.publish(_topic(target, "receipts"), b"forged", qos=1).wait_for_publish(5)
        with broker.connect("txng-ingest", passwords["ingest"]) as (ingester, _):
            ingester.publish(_topic("dev-2", "receipts"), b"for dev-2", qos=1).wait_for_publish(5)
            ingester.publish(_topic("dev-1", "receipts"), b"for dev-1", qos=1).wait_for_publish(5)
        assert seen.wait_topic(_topic("dev-1", "receipts"))
        time.sleep(0.3)
        # the ingester's receipt for dev-1, once per matching subscription; nothing else
        assert {payload for _, payload in seen.messages} == {b"for dev-1"}
        assert set(seen.topics()) == {_topic("dev-1", "receipts")}


def test_adding_a_device_again_replaces_its_password_and_acl_block(secure_broker, tmp_path):
    broker, _ = secure_broker
    new = _add_device(broker, "dev-3", tmp_path)
    again = _add_device(broker, "dev-3", tmp_path)
    assert new != again
    assert broker.acl_file.read_text().count(f"user {SITE}/dev-3\n") == 1
    entries = [line for line in broker.password_file.read_text().splitlines() if "dev-3:" in line]
    assert len(entries) == 1 and verify_password(again, entries[0].split(":", 1)[1])
    broker.reload()
    time.sleep(0.5)
    with pytest.raises(ConnectionRefusedError), broker.connect(f"{SITE}/dev-3", new):
        pass
    with broker.connect(f"{SITE}/dev-3", again):
        pass


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


def test_devices_add_registers_the_device_as_approved(database_url, tmp_path):
    code = devices_add_command(
        "site-new",
        "pi-7",
        password_file=str(tmp_path / "passwd"),
        acl_file=str(tmp_path / "acl"),
        password_out=str(tmp_path / "pw"),
        database_url=database_url,
    )
    assert code == 0
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT approval FROM devices WHERE site_id = 'site-new' AND device_id = 'pi-7'"
        )
        assert cur.fetchone() == ("approved",)
    acl = (tmp_path / "acl").read_text()
    assert "user site-new/pi-7\n" in acl
    assert "topic write txng/v1/site-new/pi-7/readings" in acl
    assert "topic read txng/v1/site-new/pi-7/config" in acl
    assert "topic read txng/v1/site-new/pi-7/receipts" in acl
    assert "topic write txng/v1/site-new/pi-7/receipts" not in acl
    assert "#" not in acl.split("user site-new/pi-7", 1)[1].replace("# device", "")
    assert oct((tmp_path / "pw").stat().st_mode & 0o777) == "0o600"
