"""The provisioning service on a real database (the broker side: tests/deploy, tests/cloud/api)."""

import pytest

from cloud.broker.passwords import verify_password
from cloud.db.pool import Database
from cloud.devices import provisioning
from cloud.devices.errors import InvalidDeviceName, UnknownDevice


@pytest.fixture
def database(database_url: str):
    database = Database(database_url, max_connections=1, application_name="test-provisioning")
    yield database
    database.close()


def test_provision_registers_approves_and_hands_out_a_secret_kept_only_hashed(database):
    with database.transaction() as conn, conn.cursor() as cur:
        new, issued = provisioning.provision_device(
            cur, None, site="farm-a", device="pi-1", actor="test"
        )
    assert new is True and issued.username == "farm-a/pi-1" and issued.broker_updated is False
    assert issued.secret not in repr(issued)
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT d.approval, c.secret_hash, c.rotated_by FROM devices d"
            " JOIN device_credentials c USING (site_id, device_id)"
            " WHERE site_id = 'farm-a' AND device_id = 'pi-1'"
        )
        approval, stored, actor = cur.fetchone()
        assert approval == "approved" and actor == "test" and issued.secret not in stored
        assert verify_password(issued.secret, stored)
        again, rotated = provisioning.provision_device(
            cur, None, site="farm-a", device="pi-1", actor="test"
        )
    assert again is False and rotated.secret != issued.secret


def test_unknown_devices_and_bad_names_are_refused_before_anything_changes(database):
    with database.transaction() as conn, conn.cursor() as cur:
        with pytest.raises(UnknownDevice):
            provisioning.rotate_credentials(cur, None, site="farm-a", device="ghost", actor="t")
        with pytest.raises(UnknownDevice):
            provisioning.set_approval(cur, None, site="farm-a", device="ghost", approval="approved")
        with pytest.raises(InvalidDeviceName):
            provisioning.provision_device(cur, None, site="farm/a", device="pi-1", actor="t")
        cur.execute("SELECT count(*) FROM devices")
        assert cur.fetchone() == (0,)


def test_rotation_and_approval_of_a_known_device(database):
    with database.transaction() as conn, conn.cursor() as cur:
        provisioning.provision_device(cur, None, site="farm-a", device="pi-2", actor="t")
        provisioning.set_approval(cur, None, site="farm-a", device="pi-2", approval="rejected")
        issued = provisioning.rotate_credentials(
            cur, None, site="farm-a", device="pi-2", actor="op"
        )
        cur.execute("SELECT approval FROM devices WHERE device_id = 'pi-2'")
        assert cur.fetchone() == ("rejected",)  # a new secret does not approve a device
        cur.execute("SELECT rotated_by FROM device_credentials WHERE device_id = 'pi-2'")
        assert cur.fetchone() == ("op",)
    assert issued.username == "farm-a/pi-2"
