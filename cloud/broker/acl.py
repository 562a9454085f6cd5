"""Who may publish and subscribe where: per-device and per-service Mosquitto ACL lines."""

from dataclasses import dataclass

from contract.topics import TOPIC_PREFIX, check_identifier

ALERTS = f"{TOPIC_PREFIX}/alerts/#"
_ANY_DEVICE = f"{TOPIC_PREFIX}/+/+"


@dataclass(frozen=True)
class ServiceRole:
    """A cloud process's broker account: its default user name and its ACL lines."""

    name: str
    username: str
    rules: tuple[str, ...]
    purpose: str


SERVICE_ROLES: dict[str, ServiceRole] = {
    role.name: role
    for role in (
        ServiceRole(
            name="ingest",
            username="txng-ingest",
            rules=(
                f"topic read {_ANY_DEVICE}/events",
                f"topic read {_ANY_DEVICE}/readings",
                f"topic read {_ANY_DEVICE}/status",
                f"topic write {ALERTS}",
            ),
            purpose="ingesters (also in $share groups) and their alert notifier",
        ),
        ServiceRole(
            name="api",
            username="txng-api",
            rules=(
                f"topic write {_ANY_DEVICE}/config",
                f"topic read {_ANY_DEVICE}/status",
                f"topic read {ALERTS}",
            ),
            purpose="the API: device config downlink, live status and alerts",
        ),
        ServiceRole(
            name="forward",
            username="txng-forward",
            rules=(f"topic read {ALERTS}",),
            purpose="the forwarder: alerts only (it reads its work from the database)",
        ),
    )
}


def device_username(site: str, device: str) -> str:
    """The broker user name of a device: `{site}/{device}` (neither part may contain '/')."""
    check_identifier(site, "site")
    check_identifier(device, "device")
    return f"{site}/{device}"


def device_rules(site: str, device: str) -> tuple[str, ...]:
    """Publish only its own uplink topics; read only its own config topic."""
    own = f"{TOPIC_PREFIX}/{site}/{device}"
    device_username(site, device)  # validates both names
    return (
        f"topic write {own}/events",
        f"topic write {own}/readings",
        f"topic write {own}/status",
        f"topic read {own}/config",
    )
