"""Errors of notification delivery."""


class DeliveryError(Exception):
    """A notification could not be delivered this time (it will be retried)."""

    def __init__(self, channel: str, reason: str):
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason
