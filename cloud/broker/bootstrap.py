"""The broker's first dynamic-security file: the admin account, the service roles, no device.

Written once, before Mosquitto first starts (`txng broker init`), from secrets given in the
environment; from then on the plugin owns the file and every change goes over its control
topic. Nothing is allowed by default: every account gets exactly its role's rules.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloud.broker.accounts import service_role
from cloud.broker.acl import ADMIN_RULES, ADMIN_USERNAME, SERVICE_ROLES, ServiceRole, dynsec_acls
from cloud.broker.passwords import dynsec_password

ADMIN_ROLE = "txng-admin"
DEFAULT_ACCESS = {
    "publishClientSend": False,
    "publishClientReceive": False,
    "subscribe": False,
    "unsubscribe": True,
}


@dataclass(frozen=True)
class ServiceAccount:
    """A service's account to create at first start."""

    role: ServiceRole
    username: str
    password: str


def _client(username: str, password: str, role: str, text: str) -> dict[str, Any]:
    return {
        "username": username,
        "textname": text,
        **dynsec_password(password),
        "roles": [{"rolename": role}],
    }


def initial_config(admin_password: str, services: list[ServiceAccount]) -> dict[str, Any]:
    """The dynamic-security JSON: admin, every service role, the given service accounts."""
    roles = [{"rolename": ADMIN_ROLE, "acls": dynsec_acls(ADMIN_RULES)}]
    roles += [
        {
            "rolename": service_role(role),
            "textname": role.purpose,
            "acls": dynsec_acls(role.rules, shared=True),
        }
        for role in SERVICE_ROLES.values()
    ]
    clients = [_client(ADMIN_USERNAME, admin_password, ADMIN_ROLE, "txng provisioning")]
    clients += [
        _client(account.username, account.password, service_role(account.role), account.role.name)
        for account in services
    ]
    return {"defaultACLAccess": DEFAULT_ACCESS, "clients": clients, "groups": [], "roles": roles}


def write_initial_config(path: Path, config: dict[str, Any]) -> bool:
    """Write `config` to `path` (0600) unless the file exists; return whether it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)  # fails if another writer got there first: never overwrite
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True
