"""`txng broker init`: the first dynamic-security file, from secrets in the environment."""

import base64
import hashlib
import json

import pytest

from cloud.broker.acl import SERVICE_ROLES
from cloud.broker.command import broker_init_command
from plumbing.settings import ConfigError

ADMIN = "admin-secret-of-sixteen+"
INGEST = "ingest-secret-of-sixteen+"


def _matches(client: dict, password: str) -> bool:
    """Whether `password` opens `client`, computed as the plugin does (PBKDF2-SHA512)."""
    salt = base64.b64decode(client["salt"])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, client["iterations"], 64)
    return base64.b64encode(digest).decode() == client["password"]


def test_init_writes_admin_services_and_deny_all_defaults_once(tmp_path, monkeypatch):
    monkeypatch.setenv("ADMIN_PW", ADMIN)
    monkeypatch.setenv("INGEST_PW", INGEST)
    path = tmp_path / "config" / "dynamic-security.json"
    assert broker_init_command(
        str(path), admin_password_env="ADMIN_PW", accounts=["ingest=INGEST_PW"]
    ) == 0
    text = path.read_text()
    assert ADMIN not in text and INGEST not in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    config = json.loads(text)
    assert not any(config["defaultACLAccess"][kind] for kind in (
        "publishClientSend", "publishClientReceive", "subscribe"
    ))
    clients = {client["username"]: client for client in config["clients"]}
    assert set(clients) == {"txng-admin", "txng-ingest"}
    assert _matches(clients["txng-admin"], ADMIN) and _matches(clients["txng-ingest"], INGEST)
    assert not _matches(clients["txng-ingest"], ADMIN)
    roles = {role["rolename"]: role for role in config["roles"]}
    assert set(roles) == {"txng-admin", *(f"txng-service:{name}" for name in SERVICE_ROLES)}
    assert {acl["topic"] for acl in roles["txng-admin"]["acls"]} == {
        "$CONTROL/dynamic-security/v1",
        "$CONTROL/dynamic-security/v1/response",
    }
    # a second start leaves the broker's own file alone, whatever the environment says now
    monkeypatch.setenv("ADMIN_PW", "another-admin-secret-16")
    assert broker_init_command(str(path), admin_password_env="ADMIN_PW", accounts=[]) == 0
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (["ingest=SHORT_PW"], "SHORT_PW: not set or shorter than 16"),
        (["ingest=UNSET_PW"], "UNSET_PW: not set"),
        (["nobody=ADMIN_PW"], "want ROLE=ENV"),
        (["ingest"], "want ROLE=ENV"),
    ],
)
def test_init_refuses_missing_or_weak_secrets_and_unknown_roles(
    tmp_path, monkeypatch, accounts, message
):
    monkeypatch.setenv("ADMIN_PW", ADMIN)
    monkeypatch.setenv("SHORT_PW", "short")
    monkeypatch.delenv("UNSET_PW", raising=False)
    path = tmp_path / "dynamic-security.json"
    with pytest.raises(ConfigError, match=message):
        broker_init_command(str(path), admin_password_env="ADMIN_PW", accounts=accounts)
    assert not path.exists()
