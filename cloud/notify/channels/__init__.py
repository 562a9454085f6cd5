"""The channels that reach people: one adapter per service, all with the same small interface."""

from typing import Protocol

from cloud.notify.errors import DeliveryError


class Channel(Protocol):
    """Sends one text message to one address; returns the service's message id, if any."""

    name: str

    def send(self, address: str, subject: str, text: str) -> str | None:
        """Send, or raise DeliveryError (with `retry_after_s` when the service asked to wait)."""


class NotConfigured:
    """A channel this process has no settings for: every send fails, clearly, and is retried."""

    def __init__(self, name: str):
        self.name = name

    def send(self, address: str, subject: str, text: str) -> str | None:
        """Fail: nothing to send with."""
        raise DeliveryError(self.name, f"the {self.name} channel is not configured here")
