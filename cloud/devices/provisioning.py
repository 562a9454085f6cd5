"""Register devices, issue and rotate their secrets, approve and reject them: database + broker.

Each use case writes the database inside the caller's transaction first and changes the broker
last, so that a broker that cannot be reached (BrokerUnavailable, raised through) rolls the
whole change back. Without broker accounts (`accounts=None`: the development broker, which lets
anyone in) only the database changes, and `DeviceCredentials.broker_updated` says so.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from psycopg2.extensions import cursor as Cursor

from cloud.broker.accounts import BrokerAccounts
from cloud.broker.acl import device_username
from cloud.broker.passwords import hash_password, new_password
from cloud.db import auth_store, devices_store
from cloud.devices.errors import InvalidDeviceName, UnknownDevice
from contract.errors import ContractError

Approval = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class DeviceCredentials:
    """A device's new broker secret: handed out once, only its hash is kept."""

    site: str
    device: str
    username: str
    secret: str = field(repr=False)
    rotated_at: datetime
    broker_updated: bool


def _username(site: str, device: str) -> str:
    try:
        return device_username(site, device)
    except ContractError as err:
        raise InvalidDeviceName(str(err)) from err


def _issue(
    cur: Cursor,
    accounts: BrokerAccounts | None,
    *,
    site: str,
    device: str,
    actor: str,
    enabled: bool,
) -> DeviceCredentials:
    username = _username(site, device)
    secret = new_password()
    rotated = auth_store.set_device_secret(
        cur, site_id=site, device_id=device, secret_hash=hash_password(secret), actor=actor
    )
    if accounts is not None:
        accounts.put_device(site, device, secret, enabled=enabled)
    return DeviceCredentials(site, device, username, secret, rotated, accounts is not None)


def provision_device(
    cur: Cursor, accounts: BrokerAccounts | None, *, site: str, device: str, actor: str
) -> tuple[bool, DeviceCredentials]:
    """Register (or approve) the device and give it a new secret; True if it was new."""
    _username(site, device)
    new = devices_store.approve_device(cur, site=site, device=device)
    return new, _issue(cur, accounts, site=site, device=device, actor=actor, enabled=True)


def rotate_credentials(
    cur: Cursor, accounts: BrokerAccounts | None, *, site: str, device: str, actor: str
) -> DeviceCredentials:
    """A new secret for a known device; the old one stops working at once (rejected: disabled)."""
    approval = devices_store.device_approval(cur, site=site, device=device)
    if approval is None:
        raise UnknownDevice(f"no device {site}/{device}")
    return _issue(
        cur, accounts, site=site, device=device, actor=actor, enabled=approval != "rejected"
    )


def set_approval(
    cur: Cursor, accounts: BrokerAccounts | None, *, site: str, device: str, approval: Approval
) -> None:
    """Approve or reject the device; rejection disables (and disconnects) its broker account."""
    if not devices_store.set_approval(cur, site=site, device=device, approval=approval):
        raise UnknownDevice(f"no device {site}/{device}")
    if accounts is not None:
        _username(site, device)
        accounts.set_device_enabled(site, device, approval != "rejected")
