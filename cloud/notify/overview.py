"""Who an alert reaches and how: its deliveries, and its sites' policy and recipients.

Shared by the alert's API route and its web page. Addresses are shown masked: the page tells
who was reached on which channel, not how to reach them.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.deliveries_store import PolicyDefaults, alert_deliveries
from cloud.db.recipients_store import alert_sites, site_policy, site_recipients
from cloud.notify.defaults import policy_defaults as _defaults
from cloud.settings.notify import load_people_settings


@dataclass(frozen=True)
class SitePlan:
    """One site's policy and active recipients."""

    site_id: str
    policy: dict[str, Any]
    recipients: list[dict[str, Any]]


@dataclass(frozen=True)
class Overview:
    """The alert's deliveries and the plans of the sites it concerns."""

    deliveries: list[dict[str, Any]]
    sites: list[SitePlan]


def mask(channel: str, address: str) -> str:
    """`la***@example.vn` for an e-mail address, `…0001` for a chat or user id."""
    if channel == "email" and "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:2]}***@{domain}"
    return "…" + address[-4:]


@cache
def policy_defaults() -> PolicyDefaults:
    """The defaults this process was configured with (TXNG_NOTIFY_*), read once."""
    return _defaults(load_people_settings())


def overview(cur: Cursor, alert_id: int, defaults: PolicyDefaults) -> Overview:
    """Deliveries of the alert, oldest first, and its sites' plans."""
    deliveries = []
    for row in alert_deliveries(cur, alert_id):
        address = row.pop("address")
        deliveries.append({**row, "address": mask(row["channel"], address)})
    sites = alert_sites(cur, alert_id)
    recipients = site_recipients(cur, sites)
    plans = []
    for site in sites:
        mine = [
            {
                **{k: v for k, v in r.items() if k != "address"},
                "address": mask(r["channel"], r["address"]),
            }
            for r in recipients
            if r["site_id"] == site
        ]
        plans.append(SitePlan(site, site_policy(cur, site, defaults), mine))
    return Overview(deliveries, plans)
