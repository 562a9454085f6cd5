"""`txng devices add`: register and approve a device, give it a broker account and a secret."""

import logging

from cloud.broker.accounts import accounts_from
from cloud.broker.command import hand_out
from cloud.broker.errors import BrokerAdminError
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.devices.errors import ProvisioningError
from cloud.devices.provisioning import provision_device
from cloud.settings.broker import load_broker_admin_settings
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def devices_add_command(
    site: str,
    device: str,
    *,
    password_out: str | None = None,
    database_url: str | None = None,
) -> int:
    """Approve SITE/DEVICE in the database and set its broker account with a new secret."""
    configure_logging(log_level(), json_lines=False)
    url = required_database_url(database_url)
    accounts = accounts_from(load_broker_admin_settings())
    if accounts is None:
        log.warning("TXNG_BROKER_ADMIN_URL is not set: no broker account is made")
    database = Database(url, max_connections=1, application_name="txng-devices")
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            new, issued = provision_device(
                cur, accounts, site=site, device=device, actor="txng devices add"
            )
    except (ProvisioningError, BrokerAdminError, DatabaseUnavailable, DataRejected) as err:
        log.error("%s/%s: nothing changed: %s", site, device, err)
        return 1
    finally:
        database.close()
    log.info(
        "%s: %s and approved%s. In the device's config: mqtt.username: %s, "
        "mqtt.password: {file: …}",
        issued.username,
        "registered" if new else "already known",
        "; broker account set (live)" if issued.broker_updated else "",
        issued.username,
    )
    hand_out(issued.secret, password_out)
    return 0
