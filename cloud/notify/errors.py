"""Errors of notification delivery."""


class DeliveryError(Exception):
    """A notification could not be delivered this time (it will be retried)."""

    def __init__(self, channel: str, reason: str, *, retry_after_s: float | None = None):
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason
        self.retry_after_s = retry_after_s
