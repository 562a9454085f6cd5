"""Who may publish and receive where: every broker account's topic rules, declared once.

The rules are data (`TopicRule`): the ACLs of a role of Mosquitto's dynamic-security plugin
are one rendering of them (`dynsec_acls`); another broker's rule store (EMQX, HiveMQ) would be
another rendering of the same table.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contract.topics import (
    DOWNLINK_CHANNELS,
    TOPIC_PREFIX,
    UPLINK_CHANNELS,
    Channel,
    check_identifier,
)

ALERTS = f"{TOPIC_PREFIX}/alerts/#"
_ANY_DEVICE = f"{TOPIC_PREFIX}/+/+"
_OWN_DEVICE = f"{TOPIC_PREFIX}/{{site}}/{{device}}"


class Access(StrEnum):
    """What a rule allows on its topic filter."""

    READ = "read"  # subscribe and receive
    WRITE = "write"  # publish


@dataclass(frozen=True)
class TopicRule:
    """One permission: `access` on `topic` (which may name `{site}` and `{device}`)."""

    access: Access
    topic: str

    def for_device(self, site: str, device: str) -> "TopicRule":
        """The rule with the device's names filled in."""
        return TopicRule(self.access, self.topic.format(site=site, device=device))

    def dynsec_acls(self, *, shared: bool = False) -> list[dict[str, Any]]:
        """The rule as dynamic-security ACLs (`shared`: also via `$share/<group>/` filters)."""
        if self.access is Access.WRITE:
            return [_acl("publishClientSend", self.topic)]
        patterns = [self.topic, f"$share/+/{self.topic}"] if shared else [self.topic]
        return [
            *(_acl("subscribePattern", pattern) for pattern in patterns),
            _acl("publishClientReceive", self.topic),
        ]


def _acl(kind: str, topic: str) -> dict[str, Any]:
    return {"acltype": kind, "topic": topic, "allow": True}


def _each(access: Access, base: str, channels: tuple[Channel, ...]) -> tuple[TopicRule, ...]:
    return tuple(TopicRule(access, f"{base}/{channel.value}") for channel in channels)


# A device publishes only its own uplink topics and receives only its own downlink topics
# (its config and the receipts of what the ingesters committed).
DEVICE_RULES: tuple[TopicRule, ...] = (
    *_each(Access.WRITE, _OWN_DEVICE, UPLINK_CHANNELS),
    *_each(Access.READ, _OWN_DEVICE, DOWNLINK_CHANNELS),
)


@dataclass(frozen=True)
class ServiceRole:
    """A cloud process's broker account: its default user name and its topic rules."""

    name: str
    username: str
    rules: tuple[TopicRule, ...]
    purpose: str


SERVICE_ROLES: dict[str, ServiceRole] = {
    role.name: role
    for role in (
        ServiceRole(
            name="ingest",
            username="txng-ingest",
            rules=(
                *_each(Access.READ, _ANY_DEVICE, UPLINK_CHANNELS),
                TopicRule(Access.WRITE, f"{_ANY_DEVICE}/{Channel.RECEIPTS.value}"),
                TopicRule(Access.WRITE, ALERTS),
            ),
            purpose="ingesters (also in $share groups), their receipts and their alert notifier",
        ),
        ServiceRole(
            name="api",
            username="txng-api",
            rules=(
                TopicRule(Access.WRITE, f"{_ANY_DEVICE}/{Channel.CONFIG.value}"),
                TopicRule(Access.READ, f"{_ANY_DEVICE}/{Channel.STATUS.value}"),
                TopicRule(Access.READ, ALERTS),
            ),
            purpose="the API: device config downlink, live status and alerts",
        ),
        ServiceRole(
            name="forward",
            username="txng-forward",
            rules=(TopicRule(Access.READ, ALERTS),),
            purpose="the forwarder: alerts only (it reads its work from the database)",
        ),
    )
}


# The broker's admin account (txng's provisioning, `txng broker account`): the dynamic-security
# control topic and its answers, nothing else.
DYNSEC_CONTROL = "$CONTROL/dynamic-security/v1"
ADMIN_RULES: tuple[TopicRule, ...] = (
    TopicRule(Access.WRITE, DYNSEC_CONTROL),
    TopicRule(Access.READ, f"{DYNSEC_CONTROL}/response"),
)
ADMIN_USERNAME = "txng-admin"


def device_username(site: str, device: str) -> str:
    """The broker user name of a device: `{site}/{device}` (neither part may contain '/')."""
    check_identifier(site, "site")
    check_identifier(device, "device")
    return f"{site}/{device}"


def device_rules(site: str, device: str) -> tuple[TopicRule, ...]:
    """The device's own rules: `DEVICE_RULES` with its names filled in."""
    device_username(site, device)  # validates both names
    return tuple(rule.for_device(site, device) for rule in DEVICE_RULES)


def dynsec_acls(rules: tuple[TopicRule, ...], *, shared: bool = False) -> list[dict[str, Any]]:
    """`rules` as the ACL list of a dynamic-security role."""
    return [acl for rule in rules for acl in rule.dynsec_acls(shared=shared)]
