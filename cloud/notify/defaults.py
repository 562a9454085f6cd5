"""The notification policy of a site without one of its own, from the settings."""

from cloud.db.deliveries_store import PolicyDefaults
from cloud.settings.notify import PeopleSettings


def policy_defaults(settings: PeopleSettings) -> PolicyDefaults:
    """The policy of a site without one of its own (TXNG_NOTIFY_ESCALATE_AFTER_S, …)."""
    return PolicyDefaults(
        escalate_after_s=settings.escalate_after_s,
        remind_every_s=settings.remind_every_s,
        max_reminders=settings.max_reminders,
        group_window_s=settings.group_window_s,
    )
