"""`txng devices add` and `txng broker account`: broker credentials and ACLs, printed once."""

import logging
import os
import sys

from cloud.broker.acl import SERVICE_ROLES, device_rules, device_username, mosquitto_lines
from cloud.broker.files import BrokerFileError, set_acl_block, set_password_entry
from cloud.broker.passwords import hash_password, new_password
from cloud.db.devices_store import approve_device
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.settings.broker import load_broker_admin_settings
from contract.errors import ContractError
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, log_level

log = logging.getLogger(__name__)


def _hand_out(password: str, password_out: str | None) -> None:
    """Write the password to a new 0600 file, or to stdout: it is shown only this once."""
    if password_out is None:
        sys.stdout.write(password + "\n")
        return
    fd = os.open(password_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


def devices_add_command(
    site: str,
    device: str,
    *,
    password_file: str | None,
    acl_file: str | None,
    password_out: str | None = None,
    database_url: str | None = None,
    register: bool = True,
) -> int:
    """Approve SITE/DEVICE in the database, give it a new password and its own ACL block."""
    configure_logging(log_level(), json_lines=False)
    try:
        username = device_username(site, device)
    except ContractError as err:
        log.error("%s", err)
        return 2
    settings = load_broker_admin_settings(
        mosquitto_password_file=password_file,
        mosquitto_acl_file=acl_file,
        database_url=database_url,
    )
    passwords, acl = settings.files()
    if register:
        url = settings.database_url
        if not url:
            raise ConfigError(
                "TXNG_DATABASE_URL: not set (or pass --database-url or --no-database)"
            )
        database = Database(url, max_connections=1, application_name="txng-devices")
        try:
            with database.transaction() as conn, conn.cursor() as cur:
                new = approve_device(cur, site=site, device=device)
        except (DatabaseUnavailable, DataRejected) as err:
            log.error("%s: not registered: %s", username, err)
            return 1
        finally:
            database.close()
        log.info("%s: %s and approved", username, "registered" if new else "already known")
    password = new_password()
    try:
        set_password_entry(passwords, username, hash_password(password))
        rules = mosquitto_lines(device_rules(site, device))
        set_acl_block(acl, username, rules, comment=f"device {username}")
    except BrokerFileError as err:
        log.error("%s", err)
        return 1
    log.info(
        "%s: password and ACL written to %s and %s; reload the broker (SIGHUP). "
        "In the device's config: mqtt.username: %s, mqtt.password: {file: …}",
        username,
        passwords,
        acl,
        username,
    )
    _hand_out(password, password_out)
    return 0


def broker_account_command(
    role: str,
    *,
    username: str | None,
    password_file: str | None,
    acl_file: str | None,
    password_out: str | None = None,
    password_env: str | None = None,
) -> int:
    """Give a cloud service (ingest, api, forward) a password and its ACL block.

    The password is new and random, or the value of the environment variable `password_env`
    (so that the broker accepts what a compose .env file already gives the service).
    """
    configure_logging(log_level(), json_lines=False)
    service = SERVICE_ROLES[role]
    name = username or service.username
    passwords, acl = load_broker_admin_settings(
        mosquitto_password_file=password_file, mosquitto_acl_file=acl_file
    ).files()
    if password_env is not None:
        password = os.environ.get(password_env, "")
        if len(password) < 16:
            raise ConfigError(f"{password_env}: not set or shorter than 16 characters")
    else:
        password = new_password()
    try:
        set_password_entry(passwords, name, hash_password(password))
        rules = mosquitto_lines(service.rules)
        set_acl_block(acl, name, rules, comment=f"service {role}: {service.purpose}")
    except BrokerFileError as err:
        log.error("%s", err)
        return 1
    log.info("%s: password and ACL written; reload the broker (SIGHUP)", name)
    if password_env is None:
        _hand_out(password, password_out)
    return 0
