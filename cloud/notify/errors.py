"""Errors of notification delivery."""

from plumbing.redact import redact


class DeliveryError(Exception):
    """A notification could not be delivered this time (it will be retried)."""

    def __init__(self, channel: str, reason: str, *, retry_after_s: float | None = None):
        channel, reason = redact(channel), redact(reason)  # a webhook URL may carry a password
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason
        self.retry_after_s = retry_after_s
