"""Device and service accounts in Mosquitto's dynamic-security plugin, changed live.

Each device account is bound to one client id, its user name `{site}/{device}`: the broker
refuses a device credential presented with any other client id, so a stolen Pi cannot take
over another client's session (an ingester's, with the messages queued for it). Each account
has its own role carrying its topic rules (`cloud.broker.acl`).
"""

from typing import Any

from cloud.broker.acl import ServiceRole, device_rules, device_username, dynsec_acls
from cloud.broker.control import DynsecControl
from cloud.settings.broker import BrokerAdminFields
from plumbing.mqtt_url import MqttEndpoint

ROLE_EXISTS = "Role already exists"
ACL_EXISTS = "ACL with this topic already exists"
CLIENT_EXISTS = "Client already exists"
CLIENT_NOT_FOUND = "Client not found"


def device_role(site: str, device: str) -> str:
    """The name of a device's own role."""
    return f"txng-device:{device_username(site, device)}"


def service_role(role: ServiceRole) -> str:
    """The name of a cloud service's role."""
    return f"txng-service:{role.name}"


class BrokerAccounts:
    """The broker's accounts, administered over its control topic as the admin account."""

    def __init__(self, endpoint: MqttEndpoint, *, timeout_s: float = 10.0):
        self._endpoint = endpoint
        self._timeout_s = timeout_s

    def _control(self) -> DynsecControl:
        return DynsecControl(self._endpoint, timeout_s=self._timeout_s)

    def put_device(self, site: str, device: str, password: str, *, enabled: bool) -> None:
        """Create or update the device's account: new password, its role, bound client id.

        The broker disconnects the device if it was connected with the old password.
        """
        username = device_username(site, device)
        role = device_role(site, device)
        with self._control() as control:
            _put_role(control, role, dynsec_acls(device_rules(site, device)))
            _put_client(control, username, password, role, clientid=username)
            control.run(_enable(username, enabled))[0].check()

    def set_device_enabled(self, site: str, device: str, enabled: bool) -> bool:
        """Enable or disable (and disconnect) the device's account; False if it has none."""
        username = device_username(site, device)
        with self._control() as control:
            answer = control.run(_enable(username, enabled))[0].check(CLIENT_NOT_FOUND)
        return answer.error is None

    def put_service(
        self, role: ServiceRole, username: str, password: str, *, clientid: str | None = None
    ) -> None:
        """Create or update a cloud service's account with its role (`clientid`: bound to it)."""
        name = service_role(role)
        with self._control() as control:
            _put_role(control, name, dynsec_acls(role.rules, shared=True))
            _put_client(control, username, password, name, clientid=clientid)


def _enable(username: str, enabled: bool) -> dict[str, Any]:
    return {"command": "enableClient" if enabled else "disableClient", "username": username}


def _put_role(control: DynsecControl, name: str, acls: list[dict[str, Any]]) -> None:
    """Create the role with `acls`, or add those it lacks to the existing role."""
    created = control.run({"command": "createRole", "rolename": name, "acls": acls})[0]
    if created.error != ROLE_EXISTS:
        created.check()
        return
    added = control.run(*({"command": "addRoleACL", "rolename": name, **acl} for acl in acls))
    for answer in added:
        answer.check(ACL_EXISTS)


def _put_client(
    control: DynsecControl, username: str, password: str, role: str, *, clientid: str | None
) -> None:
    """Create the client, or give the existing one this password, role and client id."""
    fields: dict[str, Any] = {
        "username": username,
        "password": password,
        "roles": [{"rolename": role}],
    }
    created = control.run(
        {"command": "createClient", **fields, **({"clientid": clientid} if clientid else {})}
    )[0]
    if created.error != CLIENT_EXISTS:
        created.check()
        return
    control.run({"command": "modifyClient", **fields, "clientid": clientid or ""})[0].check()


def accounts_from(settings: BrokerAdminFields) -> BrokerAccounts | None:
    """The accounts behind the settings' admin URL (mqtt://txng-admin:…@host), or None if unset."""
    url = settings.admin_url()
    if url is None:
        return None
    return BrokerAccounts(MqttEndpoint.parse(url), timeout_s=settings.broker_admin_timeout_s)
