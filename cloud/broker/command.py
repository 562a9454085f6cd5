"""`txng broker init` and `txng broker account`: the broker's admin and service accounts."""

import logging
import os
import sys
from pathlib import Path

from cloud.broker.accounts import accounts_from
from cloud.broker.acl import SERVICE_ROLES
from cloud.broker.bootstrap import ServiceAccount, initial_config, write_initial_config
from cloud.broker.errors import BrokerAdminError
from cloud.broker.passwords import new_password
from cloud.settings.broker import load_broker_admin_settings
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, log_level

log = logging.getLogger(__name__)
MIN_SECRET_LENGTH = 16


def hand_out(password: str, password_out: str | None) -> None:
    """Write the password to a new 0600 file, or to stdout: it is shown only this once."""
    if password_out is None:
        sys.stdout.write(password + "\n")
        return
    fd = os.open(password_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


def secret_from_env(name: str) -> str:
    """The value of environment variable `name`; ConfigError if unset or too short."""
    value = os.environ.get(name, "")
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{name}: not set or shorter than {MIN_SECRET_LENGTH} characters")
    return value


def broker_init_command(config_file: str, *, admin_password_env: str, accounts: list[str]) -> int:
    """Write the first dynamic-security file (admin + `accounts`, ROLE=ENV each) unless it exists.

    Run before Mosquitto's first start; later changes go over the control topic.
    """
    configure_logging(log_level(), json_lines=False)
    services = []
    for spec in accounts:
        role, _, env = spec.partition("=")
        if role not in SERVICE_ROLES or not env:
            roles = ", ".join(SERVICE_ROLES)
            raise ConfigError(f"--account {spec!r}: want ROLE=ENV, ROLE one of {roles}")
        service = SERVICE_ROLES[role]
        services.append(ServiceAccount(service, service.username, secret_from_env(env)))
    config = initial_config(secret_from_env(admin_password_env), services)
    path = Path(config_file)
    if write_initial_config(path, config):
        log.info("%s: written (admin and %d service accounts)", path, len(services))
    else:
        log.info("%s: exists; the broker owns it (change it with txng broker account)", path)
    return 0


def broker_account_command(
    role: str,
    *,
    username: str | None,
    password_out: str | None = None,
    password_env: str | None = None,
    client_id: str | None = None,
) -> int:
    """Create or update a cloud service's (ingest, api, forward) account live on the broker.

    The password is new and random, or the value of the environment variable `password_env`
    (so that the broker accepts what a compose .env file already gives the service).
    """
    configure_logging(log_level(), json_lines=False)
    service = SERVICE_ROLES[role]
    name = username or service.username
    accounts = accounts_from(load_broker_admin_settings())
    if accounts is None:
        raise ConfigError("TXNG_BROKER_ADMIN_URL: not set (the broker's admin account)")
    password = secret_from_env(password_env) if password_env is not None else new_password()
    try:
        accounts.put_service(service, name, password, clientid=client_id)
    except BrokerAdminError as err:
        log.error("%s: %s", name, err)
        return 1
    log.info("%s: account and role %s set on the broker (live)", name, role)
    if password_env is None:
        hand_out(password, password_out)
    return 0
